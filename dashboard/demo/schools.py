"""Demonstration schools and their monthly absenteeism.

Schools are placed in real communes in proportion to population (lycées in towns), with UAI
codes in blocks real schools do not use. Absenteeism (share of pupils with 4+ unjustified
half-days in the month) is calibrated on published facts (docs/architecture.md, "Domain facts"; Méthodologie):

* per school type, the enrolment-weighted yearly rate of the public schools is the national rate
  of ``dashboard/data/references_nationales.csv`` for that year (DEPP; LPO and EREA estimated),
  private schools at ``PRIVATE_FACTOR`` of it, REP and REP+ collèges above the others;
* schools are very unequal: a lognormal propensity (``SCHOOL_SPREAD``) so that about half of the
  schools sit below 2 % and the worst tenth hold about half of the absentee pupils, bounded per
  type (``CEILING``: a smooth ceiling, no lycée professionnel at 56 % on average);
* the rate rises through the year as in 2022-2023 (national: 3,6 % in September, 12 % at the
  March peak, 10,9 % in May for a 7,0 % mean), scaled to each year's level.

Every draw comes from the generator passed in: the same seed gives the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dashboard import uai as uai_codes
from queries.absenteisme_references import OVERALL, load_references, reference_types

REFERENCES_PATH = Path(__file__).resolve().parents[1] / "data" / "references_nationales.csv"

TYPE_LABELS = {
    "COLLEGE": "Collège",
    "LGT": "Lycée général et technologique",
    "LP": "Lycée professionnel",
    "LPO": "Lycée polyvalent",
    "EREA": "EREA",
}
ACADEMIE_MIX = {"COLLEGE": 200, "LGT": 48, "LP": 45, "LPO": 32, "EREA": 5}  # 330 schools
PRIVATE_SHARE = {"COLLEGE": 0.22, "LGT": 0.28, "LP": 0.22, "LPO": 0.15, "EREA": 0.0}
BASE_SIZE = {"COLLEGE": 330, "LGT": 640, "LP": 290, "LPO": 800, "EREA": 90}  # ≈ 133 000 pupils (docs/architecture.md, "Domain facts")
MIN_TOWN = {"COLLEGE": 0, "LGT": 3000, "LP": 3000, "LPO": 3000, "EREA": 5000}

# Monthly profile, September to May, relative to the September-May mean: 2022-2023 national
# points (DEPP NI 24.12: 3,6 % in September, 12,0 % in March, 10,9 % in May, mean 7,0 %); the
# other months follow the national monthly series of 2003-2006 (dip in February, winter holidays).
_PROFILE = np.array([3.6, 4.66, 6.24, 5.94, 7.27, 5.75, 12.0, 6.66, 10.9])
MONTHLY_PROFILE = _PROFILE / _PROFILE.mean()
SCHOOL_SPREAD = 1.5  # sigma of the lognormal school propensity (half the schools under 2 %)
CEILING = {"COLLEGE": 0.20, "LGT": 0.25, "LP": 0.40, "LPO": 0.30, "EREA": 0.25}  # smooth upper bound
EP_FACTOR = {"REP+": 1.8, "REP": 1.4, None: 1.0}
PRIVATE_FACTOR = 0.75  # private schools: rate relative to the public sector of the same type
YEAR_TO_YEAR = 0.15  # sigma of a school's yearly change of propensity
MONTH_NOISE = 0.10  # sigma of a school's monthly deviation from the profile
CHRONIC_DAMPING = 0.5  # share of the seasonal swing lost by a school at its ceiling
MAX_MONTHLY_RATE = 0.85


@dataclass(frozen=True)
class Commune:
    insee: str
    nom: str
    departement: str
    population: int
    reseau: str


@dataclass
class School:
    uai: str
    nom: str
    type: str
    secteur: str
    commune_insee: str
    education_prioritaire: str | None
    reseau_code: str
    size: float  # base enrolment
    propensity: float  # relative absenteeism (mean ~1)

    def row(self) -> dict:
        return {"uai": self.uai, "nom": self.nom, "type": self.type, "secteur": self.secteur,
                "commune_insee": self.commune_insee, "education_prioritaire": self.education_prioritaire,
                "reseau_code": self.reseau_code}


def scaled_mix(total: int) -> dict[str, int]:
    """The académie's type mix scaled to ``total`` schools."""
    base = sum(ACADEMIE_MIX.values())
    out = {t: max(1, round(n * total / base)) for t, n in ACADEMIE_MIX.items()}
    out["COLLEGE"] += total - sum(out.values())
    return out


def _allocate_uai(rng: np.random.Generator, schools_by_dep: dict[str, int], prefix: dict[str, str]) -> dict:
    """Distinct UAI codes per department: ``prefix`` + random digits + control letter."""
    out: dict[str, list[str]] = {}
    for dep, count in schools_by_dep.items():
        width = 7 - len(prefix[dep])
        numbers = np.sort(rng.choice(np.arange(1, 10**width), size=count, replace=False))
        out[dep] = [uai_codes.make_uai(prefix[dep] + str(n).zfill(width)) for n in numbers]
    return out


def _priority(rng: np.random.Generator, population: int) -> str | None:
    """REP+/REP for public collèges, mostly in the larger communes."""
    draw = rng.random()
    if population >= 20000:
        return "REP+" if draw < 0.12 else "REP" if draw < 0.42 else None
    if population >= 8000:
        return "REP+" if draw < 0.03 else "REP" if draw < 0.30 else None
    return "REP" if draw < 0.05 else None


def place_schools(rng: np.random.Generator, communes: list[Commune], counts: dict[str, int],
                  uai_prefix: dict[str, str]) -> list[School]:
    """Schools of every type placed in ``communes`` in proportion to population."""
    pop = np.array([c.population for c in communes], dtype=float)
    drafts = []
    for school_type, count in counts.items():
        eligible = pop * (pop >= MIN_TOWN[school_type])
        if eligible.sum() == 0:
            eligible = pop
        replace = school_type != "EREA" or count > np.count_nonzero(eligible)
        where = rng.choice(len(communes), size=count, replace=replace, p=eligible / eligible.sum())
        private = set(rng.choice(count, size=round(count * PRIVATE_SHARE[school_type]), replace=False).tolist())
        for k, idx in enumerate(where):
            commune = communes[idx]
            secteur = "PRIVE" if k in private else "PUBLIC"
            ep = _priority(rng, commune.population) if school_type == "COLLEGE" and secteur == "PUBLIC" else None
            size = BASE_SIZE[school_type] * rng.lognormal(0.0, 0.15 if school_type == "EREA" else 0.25)
            size *= 0.8 if secteur == "PRIVE" else 1.0
            propensity = rng.lognormal(-SCHOOL_SPREAD**2 / 2, SCHOOL_SPREAD) * EP_FACTOR[ep]
            drafts.append((school_type, commune, secteur, ep, max(60.0, size), propensity))
    _ensure_priority(drafts)
    by_dep: dict[str, int] = {}
    for d in drafts:
        by_dep[d[1].departement] = by_dep.get(d[1].departement, 0) + 1
    codes = _allocate_uai(rng, dict(sorted(by_dep.items())), uai_prefix)
    order = rng.permutation(len(drafts))
    schools, taken = [], {dep: 0 for dep in codes}
    for i in order:
        school_type, commune, secteur, ep, size, propensity = drafts[i]
        code = codes[commune.departement][taken[commune.departement]]
        taken[commune.departement] += 1
        schools.append(School(code, "", school_type, secteur, commune.insee, ep, commune.reseau, size, propensity))
    names = {c.insee: c.nom for c in communes}
    schools.sort(key=lambda s: s.uai)
    numbers = {t: 0 for t in counts}
    for s in schools:
        numbers[s.type] += 1
        s.nom = f"{TYPE_LABELS[s.type]} n° {numbers[s.type]} — {names[s.commune_insee]}"
    return schools


def _ensure_priority(drafts: list) -> None:
    """At least one REP+ and one REP collège: the public collèges of the largest communes."""
    public = sorted((i for i, d in enumerate(drafts) if d[0] == "COLLEGE" and d[2] == "PUBLIC"),
                    key=lambda i: -drafts[i][1].population)
    for label in ("REP+", "REP"):
        if public and not any(d[3] == label for d in drafts):
            i = next((j for j in public if drafts[j][3] is None), public[0])
            t, c, s, _, size, prop = drafts[i]
            drafts[i] = (t, c, s, label, size, prop * EP_FACTOR[label])


# --- absenteeism ----------------------------------------------------------------------------------

def load_reference_rates(path: Path = REFERENCES_PATH) -> dict[tuple[str, str], float]:
    """(annee_scolaire, school type) → national yearly rate (fraction), published or estimated,
    from the reference file (read by ``queries.absenteisme_references``)."""
    out = {}
    for row in load_references(path).iter_rows(named=True):
        for school_type in reference_types(row["type"]):
            if school_type != OVERALL:
                out[(row["annee_scolaire"], school_type)] = row["taux"]
    return out


def months(start: int) -> list[str]:
    """September to May of school year ``start``-``start+1`` ("2014-09" … "2015-05")."""
    return [f"{start}-{m}" for m in ("09", "10", "11", "12")] + [f"{start + 1}-0{m}" for m in range(1, 6)]


def bounded(raw: np.ndarray, ceiling: np.ndarray) -> np.ndarray:
    """A smooth ceiling: ``raw`` where it is small, never above ``ceiling``."""
    return ceiling * np.tanh(raw / ceiling)


def calibrate(target: np.ndarray, propensity: np.ndarray, size: np.ndarray, groups: np.ndarray,
              ceiling: np.ndarray) -> np.ndarray:
    """Yearly rate per school, ``bounded(target × propensity × scale)``, with one scale per group
    such that the group's enrolment-weighted mean rate is its ``target``."""
    scale = np.ones(len(target))
    for _ in range(60):
        rate = bounded(target * propensity * scale, ceiling)
        for group in np.unique(groups):
            mask = groups == group
            scale[mask] *= target[mask][0] / np.average(rate[mask], weights=size[mask])
    return bounded(target * propensity * scale, ceiling)


def school_profiles(rate: np.ndarray, ceiling: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Monthly profile (mean 1) per school. A school where absenteeism is high all year round has a
    flatter profile (its absentees are chronic: ``CHRONIC_DAMPING`` of the seasonal swing at the
    ceiling); the common swing is widened so that the rate of all schools together follows
    ``MONTHLY_PROFILE`` exactly."""
    amplitude = 1.0 - CHRONIC_DAMPING * rate / ceiling
    mean_amplitude = np.average(amplitude, weights=rate * size)
    swing = (MONTHLY_PROFILE - 1.0) / mean_amplitude
    return 1.0 + amplitude[:, None] * swing[None, :]


def absenteeism_rows(rng: np.random.Generator, schools: list[School], years: list[int],
                     current_year: int, current_months: int) -> list[dict]:
    """Monthly rows per school, September to May (``current_months`` months for the current year)."""
    references = load_reference_rates()
    types = np.array([s.type for s in schools])
    public = np.array([s.secteur == "PUBLIC" for s in schools])
    groups = np.array([f"{s.type}/{s.secteur}" for s in schools])
    ceiling = np.array([CEILING[t] for t in types])
    base_size = np.array([s.size for s in schools])
    propensity = np.array([s.propensity for s in schools])
    uais = [s.uai for s in schools]
    drift = np.ones(len(schools))
    rows: list[dict] = []
    for start in years:
        annee = f"{start}-{start + 1}"
        drift *= rng.lognormal(0.0, 0.03, len(schools))
        size = np.maximum(30, np.round(base_size * drift)).astype(int)
        yearly_prop = propensity * rng.lognormal(0.0, YEAR_TO_YEAR, len(schools))
        target = np.array([references[(annee, t)] for t in types]) * np.where(public, 1.0, PRIVATE_FACTOR)
        rate = calibrate(target, yearly_prop, size.astype(float), groups, ceiling)
        profile = school_profiles(rate, ceiling, size)
        noise = rng.lognormal(0.0, MONTH_NOISE, profile.shape)
        noise *= profile.mean(axis=1, keepdims=True) / (profile * noise).mean(axis=1, keepdims=True)  # yearly mean kept
        n_months = current_months if start == current_year else len(MONTHLY_PROFILE)
        monthly = np.minimum(MAX_MONTHLY_RATE, rate[:, None] * profile * noise)[:, :n_months]
        effectif = np.repeat(size[:, None], n_months, axis=1)
        absent = rng.binomial(effectif, monthly)
        others = rng.poisson(1.8 * (effectif - absent) * np.minimum(0.5, 2.5 * monthly))
        half_days = np.round(absent * rng.uniform(6.0, 8.0, absent.shape)).astype(int) + others
        labels = months(start)[:n_months]
        for i, code in enumerate(uais):
            for m, mois in enumerate(labels):
                rows.append({"uai": code, "mois": mois, "annee_scolaire": annee, "effectif": int(effectif[i, m]),
                             "eleves_absenteistes": int(absent[i, m]),
                             "demi_journees_non_justifiees": int(half_days[i, m])})
    return rows
