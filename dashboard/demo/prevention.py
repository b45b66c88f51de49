"""Demonstration référents décrochage and GPDS activity, derived from the demonstration
schools and their monthly absenteeism.

Calibrated on the académie's summary (docs/architecture.md, "Domain facts"): a référent named in every secondary school — 275
in 2014, of whom 120 CPE and 109 heads of school, directors and teachers, the rest professeurs
documentalistes, chefs de travaux (DDFPT), assistants d'éducation and COP / PsyEN. Here:

* every school year a few schools (``MISSING_SHARE``: 5 % in 2012-2013 down to 2 %) have no named
  referent, the same ones from one year to the next more often than not; the functions follow
  ``REFERENT_MIX`` (scaled to the schools that have one), DDFPT only in lycées professionnels and
  polyvalents, and most referents keep their function from one year to the next
  (``KEEP_FUNCTION``); the share trained (``formation_suivie``) rises over the years, unknown for
  some;
* about one school in eight reports no GPDS activity at all in a year (``SILENT_STEADY``; more
  often without a referent, and the same schools again one time in two); the others spot
  pupils every month in proportion to their absentees (``SPOT_PER_ABSENTEE``) plus a few for other
  signs (``SPOT_PER_1000``), times a lasting engagement of the school (lognormal), so that the
  activity rises with absenteeism while some schools with many absentees report little;
* followed ≤ spotted and internal solutions ≤ followed in every month; pupils passed on to the
  platform (over 16 and gone) are few, mostly from lycées (``PLATFORM_SHARE``).

Every draw comes from the generator passed in: the same seed and the same schools give the same rows.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from dashboard.schoolyear import school_year

REFERENT_MIX = {  # of 275 referents in the académie (2014)
    "CPE": 120,
    "PERSONNEL_DE_DIRECTION": 72,
    "ENSEIGNANT": 37,
    "PROFESSEUR_DOCUMENTALISTE": 16,
    "DDFPT": 10,
    "ASSISTANT_EDUCATION": 8,
    "PSYEN": 12,
}
DDFPT_TYPES = ("LP", "LPO")
MISSING_SHARE = {0: 0.05, 1: 0.04, 2: 0.03, 3: 0.025, 4: 0.02}  # by rank of the school year
MISSING_AGAIN = 0.6  # chance that a school without a referent still has none the next year
KEEP_FUNCTION = 0.85
TRAINED_SHARE = {0: 0.35, 1: 0.45, 2: 0.55, 3: 0.65, 4: 0.72}
STAY_TRAINED = 0.9  # a trained referent mostly stays (or is followed by a trained one)
TRAINING_UNKNOWN = 0.10

SILENT_SHARE = 0.06  # schools with a referent, that reported last year, and report nothing this year
SILENT_AGAIN = 0.5  # … that reported nothing last year either
SILENT_STEADY = SILENT_SHARE / (1.0 - SILENT_AGAIN + SILENT_SHARE)  # ≈ 11 %: the first year's share
SILENT_WITHOUT_REFERENT = 0.6
ENGAGEMENT_SIGMA = 0.6  # lasting engagement of a school's GPDS (lognormal, median 1)
ENGAGEMENT_DRIFT = 0.2
SPOT_PER_ABSENTEE = 0.08  # pupils spotted in a month per absentee pupil of that month
SPOT_PER_1000 = 0.5  # pupils spotted in a month per 1 000 pupils, for other first signs
FOLLOW_SHARE = 0.65
INTERNAL_SOLUTION_SHARE = 0.55
PLATFORM_SHARE = {"COLLEGE": 0.01, "LGT": 0.06, "LP": 0.12, "LPO": 0.08, "EREA": 0.08, "AUTRE": 0.03}
MEETINGS_MEAN = 1.2


def _targets(total: int, eligible_ddfpt: int) -> dict[str, int]:
    """``REFERENT_MIX`` scaled to ``total`` referents (largest remainders), DDFPT capped."""
    base = sum(REFERENT_MIX.values())
    raw = {f: n * total / base for f, n in REFERENT_MIX.items()}
    out = {f: int(np.floor(v)) for f, v in raw.items()}
    for f in sorted(raw, key=lambda k: out[k] - raw[k])[: total - sum(out.values())]:
        out[f] += 1
    excess = max(0, out["DDFPT"] - eligible_ddfpt)
    out["DDFPT"] -= excess
    out["CPE"] += excess
    return out


def _assign(rng: np.random.Generator, types: np.ndarray, previous: np.ndarray, named: np.ndarray) -> np.ndarray:
    """One function per named school: most keep last year's, the others are drawn so that the
    year's counts meet the scaled mix (DDFPT only where a lycée professionnel teaching exists)."""
    out = np.full(len(types), "", dtype=object)
    eligible = np.isin(types, DDFPT_TYPES)
    targets = _targets(int(named.sum()), int((named & eligible).sum()))
    keep = named & (previous != "") & (rng.random(len(types)) < KEEP_FUNCTION)
    keep &= (previous != "DDFPT") | eligible
    kept_counts = {f: 0 for f in targets}
    for i in rng.permutation(np.flatnonzero(keep)):
        function = previous[i]
        if kept_counts[function] < targets[function]:
            out[i] = function
            kept_counts[function] += 1
    todo = [i for i in rng.permutation(np.flatnonzero(named & (out == "")))]
    need = {f: targets[f] - kept_counts[f] for f in targets}
    ddfpt = [i for i in todo if eligible[i]][: need["DDFPT"]]
    for i in ddfpt:
        out[i] = "DDFPT"
    rest = [i for i in todo if out[i] == ""]
    pool = [f for f in targets if f != "DDFPT" for _ in range(need[f])]
    pool = list(rng.permutation(pool)) + ["CPE"] * max(0, len(rest) - len(pool))
    for i, function in zip(rest, pool, strict=False):
        out[i] = function
    return out


REFERENT_SCHEMA = {"uai": pl.String, "annee_scolaire": pl.String, "fonction": pl.String,
                   "formation_suivie": pl.Boolean}
PREVENTION_SCHEMA = {"uai": pl.String, "mois": pl.String, "annee_scolaire": pl.String,
                     **{name: pl.Int64 for name in ("eleves_reperes", "eleves_suivis", "reunions_gpds",
                                                     "solutions_internes", "signalements_plateforme")}}


def referent_rows(rng: np.random.Generator, schools: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    """One row per school with a named referent and school year. ``schools``: uai, type (sorted by uai)."""
    types = schools["type"].to_numpy()
    uais = schools["uai"].to_numpy()
    n = len(uais)
    missing = np.zeros(n, dtype=bool)
    functions = np.full(n, "", dtype=object)
    trained = np.zeros(n, dtype=bool)
    frames = []
    for rank, start in enumerate(years):
        share = MISSING_SHARE.get(rank, MISSING_SHARE[max(MISSING_SHARE)])
        again = missing & (rng.random(n) < MISSING_AGAIN)
        count = max(1, round(share * n))
        fresh = rng.permutation(np.flatnonzero(~again))[: max(0, count - int(again.sum()))]
        missing = again.copy()
        missing[fresh] = True
        named = ~missing
        functions = _assign(rng, types, functions, named)
        share_trained = TRAINED_SHARE.get(rank, TRAINED_SHARE[max(TRAINED_SHARE)])
        stay = trained & (rng.random(n) < STAY_TRAINED)
        newly = (share_trained - stay.mean()) / max(1e-9, 1.0 - stay.mean())
        trained = stay | (rng.random(n) < min(1.0, max(0.0, newly)))
        unknown = rng.random(n) < TRAINING_UNKNOWN
        frames.append(pl.DataFrame({
            "uai": uais[named].tolist(), "annee_scolaire": [school_year(start)] * int(named.sum()),
            "fonction": functions[named].tolist(),
            "formation_suivie": [None if u else bool(t) for u, t in zip(unknown[named], trained[named], strict=True)],
        }, schema=REFERENT_SCHEMA))
    return pl.concat(frames) if frames else pl.DataFrame(schema=REFERENT_SCHEMA)


def prevention_rows(rng: np.random.Generator, schools: pl.DataFrame, absenteeism: pl.DataFrame,
                    referents: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    """One row per reporting school and month of absenteeism data.

    ``schools``: uai, type (sorted by uai); ``absenteeism``: uai, mois, annee_scolaire, effectif,
    eleves_absenteistes."""
    uais = schools["uai"].to_list()
    types = schools["type"].to_numpy()
    index = {u: i for i, u in enumerate(uais)}
    n = len(uais)
    platform = np.array([PLATFORM_SHARE.get(t, PLATFORM_SHARE["AUTRE"]) for t in types])
    engagement = rng.lognormal(0.0, ENGAGEMENT_SIGMA, n)
    silent = np.zeros(n, dtype=bool)
    frames = []
    for rank, start in enumerate(years):
        annee = school_year(start)
        named_uais = set(referents.filter(pl.col("annee_scolaire") == annee)["uai"].to_list())
        named = np.array([u in named_uais for u in uais], dtype=bool)
        usual = SILENT_STEADY if rank == 0 else np.where(silent, SILENT_AGAIN, SILENT_SHARE)
        p_silent = np.where(named, usual, SILENT_WITHOUT_REFERENT)
        silent = rng.random(n) < p_silent
        engagement *= rng.lognormal(0.0, ENGAGEMENT_DRIFT, n)
        year = absenteeism.filter(pl.col("annee_scolaire") == annee).sort("uai", "mois")
        if year.is_empty():
            continue
        school = np.array([index.get(u, -1) for u in year["uai"].to_list()], dtype=np.int64)
        known = school >= 0
        effectif = year["effectif"].to_numpy()
        absent = year["eleves_absenteistes"].to_numpy()
        who = np.where(known, school, 0)
        expected = engagement[who] * (SPOT_PER_ABSENTEE * absent + SPOT_PER_1000 * effectif / 1000)
        spotted = np.minimum(rng.poisson(expected), effectif)
        followed = rng.binomial(spotted, FOLLOW_SHARE)
        internal = rng.binomial(followed, INTERNAL_SOLUTION_SHARE)
        passed = rng.binomial(followed, platform[who])
        meetings = np.minimum(4, rng.poisson(MEETINGS_MEAN, len(year)) + (spotted > 0))
        report = known & ~silent[who]
        frames.append(year.select("uai", "mois", "annee_scolaire").with_columns(
            pl.Series("eleves_reperes", spotted), pl.Series("eleves_suivis", followed),
            pl.Series("reunions_gpds", meetings), pl.Series("solutions_internes", internal),
            pl.Series("signalements_plateforme", passed),
        ).filter(pl.Series(report)).cast(PREVENTION_SCHEMA))
    return pl.concat(frames) if frames else pl.DataFrame(schema=PREVENTION_SCHEMA)


def generate(rng: np.random.Generator, schools: pl.DataFrame, absenteeism: pl.DataFrame,
             years: list[int]) -> dict[str, pl.DataFrame]:
    """Frames of ``referents`` and ``prevention`` for these schools (any order: sorted here)."""
    schools = schools.select("uai", "type").sort("uai")
    r_referents, r_prevention = rng.spawn(2)
    referents = referent_rows(r_referents, schools, years)
    prevention = prevention_rows(r_prevention, schools, absenteeism, referents, years)
    return {"referents": referents, "prevention": prevention}
