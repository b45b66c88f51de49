"""Demonstration bilans (bimonthly FOQUALE reports), targets and MLDS sites.

Calibration (docs/architecture.md, "Domain facts"): about 5 700 young people signalled in the académie in
2014-2015, 46 % of them with a solution (raccrochés of the six types), a share rising slowly from
40 % (2012-2013) to 50 % (2016-2017). Counts are flows per two-month period; the funnel holds on
totals cumulated over the school year (contactés ≤ signalés, entretiens ≤ contactés,
raccrochés ≤ solutions proposées), as the importer requires.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboard.schoolyear import school_year
from dashboard.store import db

# Académie of Poitiers: yearly young people signalled (SIEI) and share with a solution.
SIGNALES_ACADEMIE = {2012: 5900, 2013: 5800, 2014: 5700, 2015: 5650, 2016: 5550}
SOLUTION_SHARE = {2012: 0.40, 2013: 0.43, 2014: 0.46, 2015: 0.48, 2016: 0.50}

# Six periods ending Oct, Dec, Feb, Apr, Jun, Aug. SIEI campaigns fill Nov-Dec and Mar-Apr;
# raccrochage peaks at the rentrée and is low in summer.
SIGNALES_PROFILE = np.array([0.10, 0.33, 0.10, 0.32, 0.09, 0.06])
RACCROCHES_PROFILE = np.array([0.30, 0.21, 0.14, 0.15, 0.12, 0.08])
# Split of raccrochés, in the order of db.SOLUTION_COLUMNS:
# formation initiale, structure innovante, apprentissage, MLDS, service civique, autres.
SOLUTION_SPLIT = np.array([0.45, 0.04, 0.15, 0.15, 0.08, 0.13])
FOQUALE_TYPES = (0, 1, 3)  # formation initiale, structure innovante, MLDS


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def period_ends(start: int) -> list[str]:
    """The six period ends (ISO dates) of school year ``start``-``start+1``."""
    feb = 29 if is_leap(start + 1) else 28
    return [f"{start}-10-31", f"{start}-12-31", f"{start + 1}-02-{feb}", f"{start + 1}-04-30",
            f"{start + 1}-06-30", f"{start + 1}-08-31"]


@dataclass(frozen=True)
class Network:
    code: str
    departement: str
    population: int


def network_effects(rng: np.random.Generator, networks: list[Network]) -> tuple[np.ndarray, np.ndarray]:
    """(volume factor, solution-share factor) per network, population-weighted means 1."""
    pop = np.array([n.population for n in networks], dtype=float)
    volume = rng.lognormal(0.0, 0.12, len(networks))
    volume /= np.average(volume, weights=pop)
    share = 1.0 + np.clip(rng.normal(0.0, 0.12, len(networks)), -0.25, 0.25)
    share /= np.average(share, weights=pop * volume)
    return volume, share


def bilans_and_targets(
    rng: np.random.Generator,
    networks: list[Network],
    years: list[int],
    signales_per_inhabitant: dict[int, float],
    current_year: int,
    current_last_period: int,
    late_networks: set[str],
) -> tuple[list[dict], list[dict]]:
    """Bilan rows and network-level target rows.

    ``current_year`` stops after period index ``current_last_period`` (0-based), one period
    earlier for ``late_networks``.
    """
    volume, share_factor = network_effects(rng, networks)
    pop = np.array([n.population for n in networks], dtype=float)
    type_probs = rng.dirichlet(SOLUTION_SPLIT * 80, len(networks))
    bilans: list[dict] = []
    targets: list[dict] = []
    for start in years:
        annee = school_year(start)
        # yearly noise per network, keeping the total of the territories on its calibration
        noise = rng.lognormal(0.0, 0.05, len(networks))
        noise /= np.average(noise, weights=pop * volume)
        expected_sig = pop * signales_per_inhabitant[start] * volume * noise
        expected_rac = expected_sig * SOLUTION_SHARE[start] * share_factor
        for i, net in enumerate(networks):
            targets.append({"annee_scolaire": annee, "territoire_code": net.code, "indicateur": "raccroches",
                            "objectif": int(round(expected_rac[i] * rng.uniform(0.85, 1.2)))})
            rows = _network_year(rng, expected_sig[i], expected_rac[i], type_probs[i])
            last = 5
            if start == current_year:
                last = current_last_period - (1 if net.code in late_networks else 0)
            for end, counts in list(zip(period_ends(start), rows, strict=True))[: last + 1]:
                bilans.append({"reseau_code": net.code, "periode_fin": end, "annee_scolaire": annee, **counts})
    return bilans, targets


def _network_year(rng: np.random.Generator, expected_sig: float, expected_rac: float,
                  type_probs: np.ndarray) -> list[dict]:
    """Six periods of counts for one network and school year."""
    sig_total = int(round(expected_sig))
    signales = rng.multinomial(sig_total, rng.dirichlet(SIGNALES_PROFILE * 300))
    cum_sig = np.cumsum(signales)
    lagged = np.concatenate([[0], cum_sig[:-1]])
    contact_rate = rng.uniform(0.75, 0.85)
    interview_rate = rng.uniform(0.60, 0.70) / contact_rate
    cum_contact = np.floor(contact_rate * (0.8 * cum_sig + 0.2 * lagged)).astype(int)
    cum_interview = np.floor(interview_rate * cum_contact).astype(int)
    contactes = np.diff(cum_contact, prepend=0)
    entretiens = np.diff(cum_interview, prepend=0)
    rac_total = int(round(expected_rac))
    raccroches = rng.multinomial(rac_total, rng.dirichlet(RACCROCHES_PROFILE * 300))
    out = []
    for k in range(6):
        by_type = rng.multinomial(raccroches[k], type_probs)
        proposed = raccroches[k] + rng.binomial(raccroches[k], 0.15) + rng.poisson(0.5)
        foquale = rng.binomial(int(sum(by_type[j] for j in FOQUALE_TYPES)), 0.92)
        row = {
            "jeunes_signales": int(signales[k]),
            "jeunes_contactes": int(contactes[k]),
            "entretiens": int(entretiens[k]),
            "solutions_proposees": int(proposed),
            **{col: int(v) for col, v in zip(db.SOLUTION_COLUMNS, by_type, strict=True)},
            "contrats_foquale": int(foquale),
        }
        out.append(row)
    return out


def aggregate_targets(network_targets: list[dict], departement_of: dict[str, str]) -> list[dict]:
    """Department targets (sum of their networks) for every school year."""
    sums: dict[tuple[str, str], int] = {}
    for row in network_targets:
        key = (row["annee_scolaire"], departement_of[row["territoire_code"]])
        sums[key] = sums.get(key, 0) + row["objectif"]
    return [{"annee_scolaire": annee, "territoire_code": dep, "indicateur": "raccroches", "objectif": value}
            for (annee, dep), value in sorted(sums.items())]


def academie_targets(departement_targets: list[dict]) -> list[dict]:
    """ACAD targets: the sum of the department targets, per school year."""
    sums: dict[str, int] = {}
    for row in departement_targets:
        sums[row["annee_scolaire"]] = sums.get(row["annee_scolaire"], 0) + row["objectif"]
    return [{"annee_scolaire": annee, "territoire_code": "ACAD", "indicateur": "raccroches", "objectif": value}
            for annee, value in sorted(sums.items())]


# --- MLDS sites ----------------------------------------------------------------------------------

def _of(nom: str) -> str:
    """French "de" before a commune name: "d'Angoulême", "de Niort", "du Blanc", "des Sables"."""
    if nom.startswith("Le "):
        return "du " + nom[3:]
    if nom.startswith("Les "):
        return "des " + nom[4:]
    if nom[:1].upper() in "AEIOUYÂÉÈÊÎÔ":
        return "d'" + nom
    return "de " + nom


def mlds_sites(
    rng: np.random.Generator,
    communes: list[tuple[str, str, str, int]],
    sites_per_departement: dict[str, int],
    total_places: int,
    years: list[int],
) -> list[dict]:
    """MLDS / PAQI sites in the larger communes of each department, one row per school year.

    ``communes``: (insee, nom, departement_code, population).
    """
    sites = []
    for dep, count in sites_per_departement.items():
        candidates = sorted((c for c in communes if c[2] == dep), key=lambda c: -c[3])[: max(count + 4, 8)]
        weights = np.array([c[3] for c in candidates], dtype=float) ** 0.7
        chosen = rng.choice(len(candidates), size=min(count, len(candidates)), replace=False,
                            p=weights / weights.sum())
        for n, idx in enumerate(sorted(chosen, key=lambda j: -candidates[j][3]), start=1):
            insee, nom, _, _ = candidates[idx]
            label = f"Site MLDS {_of(nom)}" if rng.random() < 0.5 else f"PAQI {_of(nom)}"
            sites.append({"site_code": f"MLDS-{dep}-{str(n).zfill(2)}", "nom": label, "commune_insee": insee})
    raw = rng.uniform(18, 40, len(sites))
    places = np.maximum(8, np.round(raw * total_places / raw.sum())).astype(int)
    rows = []
    for site, base in zip(sites, places, strict=True):
        for start in years:
            year_places = int(base + rng.integers(-2, 3))
            rows.append({**site, "annee_scolaire": school_year(start), "places": year_places,
                         "jeunes_accueillis": int(round(year_places * rng.uniform(0.70, 1.05)))})
    return rows
