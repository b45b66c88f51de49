"""Synthetic territories for the national-scale benchmark database.

About 96 departments ("D01"…"D96"), 350 PSAD and 486 networks (with the académie: 360 PSAD and
500 networks), each network made of a few synthetic communes ("X0001"…). They are added to a
database that already holds the académie's real geography, as the default breakdown
(``annee_debut`` 0).
"""

from __future__ import annotations

import numpy as np

from dashboard.demo.schools import Commune

N_DEPARTMENTS = 96
N_PSAD = 350
N_NETWORKS = 486
POPULATION = 62_000_000


def _split(rng: np.random.Generator, total: int, parts: int, lead: float = 1.0) -> np.ndarray:
    """``total`` split into ``parts`` positive integers (the first part ``lead`` times heavier)."""
    alpha = np.ones(parts) * 2.0
    alpha[0] *= lead
    shares = rng.dirichlet(alpha)
    out = np.maximum(1, np.floor(shares * total)).astype(int)
    out[0] += total - out.sum()
    return out


def _allocate(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """``total`` units over ``weights`` with at least ``minimum`` each (largest remainders)."""
    extra = total - minimum * len(weights)
    raw = weights / weights.sum() * extra
    out = np.floor(raw).astype(int)
    remainder = extra - out.sum()
    out[np.argsort(-(raw - out))[:remainder]] += 1
    return out + minimum


def synthetic_territories(rng: np.random.Generator) -> dict[str, list]:
    """Rows for ``departements``, ``communes``, ``territoires`` and the ``Commune`` records.

    Returns keys ``departements``, ``communes``, ``territoires``, ``geo`` (list of Commune) and
    ``uai_prefix`` (department → 3-digit UAI prefix "801"… outside real department numbers).
    """
    dep_pop = rng.lognormal(np.log(650_000), 0.5, N_DEPARTMENTS)
    dep_pop = np.round(dep_pop / dep_pop.sum() * POPULATION).astype(int)
    psad_per_dep = _allocate(N_PSAD, dep_pop.astype(float), 2)
    psad_weights = []
    out: dict[str, list] = {"departements": [], "communes": [], "territoires": [], "geo": [], "uai_prefix": {}}
    psads = []  # (dep index, psad number, population)
    for d in range(N_DEPARTMENTS):
        for p, pop in enumerate(_split(rng, int(dep_pop[d]), int(psad_per_dep[d]), lead=2.0), start=1):
            psads.append((d, p, int(pop)))
            psad_weights.append(pop)
    networks_per_psad = _allocate(N_NETWORKS, np.array(psad_weights, dtype=float), 1)
    commune_number = 0
    network_number = {d: 0 for d in range(N_DEPARTMENTS)}
    dep_codes = [f"D{str(d + 1).zfill(2)}" for d in range(N_DEPARTMENTS)]
    for code in dep_codes:
        out["departements"].append({"code": code, "nom": f"Département synthétique {code[1:]}"})
        out["uai_prefix"][code] = f"8{code[1:]}"
    for (d, p, pop), n_networks in zip(psads, networks_per_psad, strict=True):
        dep = dep_codes[d]
        psad_code = f"P{dep}-{str(p).zfill(2)}"
        psad_nom = None
        for net_pop in _split(rng, pop, int(n_networks), lead=1.5):
            network_number[d] += 1
            net_code = f"R{dep}-{str(network_number[d]).zfill(2)}"
            n_communes = int(rng.integers(2, 5))
            net_nom = None
            for c_pop in sorted(_split(rng, int(net_pop), n_communes, lead=3.0), reverse=True):
                commune_number += 1
                insee = f"X{str(commune_number).zfill(4)}"
                nom = f"Ville {dep}-{str(commune_number).zfill(4)}"
                net_nom = net_nom or nom
                psad_nom = psad_nom or nom
                out["communes"].append({"insee": insee, "nom": nom, "departement_code": dep,
                                        "population": int(c_pop)})
                out["territoires"].append({"annee_debut": 0, "commune_insee": insee, "reseau_code": net_code,
                                           "reseau_nom": net_nom, "psad_code": psad_code, "psad_nom": psad_nom,
                                           "departement_code": dep})
                out["geo"].append(Commune(insee, nom, dep, int(c_pop), net_code))
    return out
