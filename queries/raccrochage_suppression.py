"""Complementary suppression of raccrochage counts across the territorial tree.

Networks add up to their PSAD and PSAD to their department: a count masked for one network (or
PSAD) could be recomputed from its parent's total minus its siblings, or a masked PSAD from the
sum of its networks. ``complementary_masks`` decides, for one school year and the whole tree,
which counts (totals since the rentrée) must be masked on top of each territory's own rule
(``raccrochage_rules.disclose``), so that:

* under a shown parent, no count is masked for exactly one child (the smallest other child is
  masked too);
* a masked parent always has a masked child for that count;
* within a territory, the six solution types add up to its raccrochés: one masked type alone
  (raccrochés shown), or raccrochés masked with every type shown, is completed the same way.

The rule runs on every network of the year whatever the user's scope: only the pattern of
masked cells comes out, never a figure. ``queries.raccrochage`` stores the result in each
situation row (``masque_complementaire``), which ``disclose`` applies.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, func, select

from dashboard import db, disclosure
from queries import territoires as tq
from queries.raccrochage_rules import COUNT_COLUMNS, SOLUTION_COLUMNS, disclose

#: Counts that add up along the tree (totals since the rentrée).
ADDITIVE = COUNT_COLUMNS


def _network_totals(conn: Connection, annee: str) -> dict[str, dict[str, int]]:
    b = db.bilans
    columns = list(db.BILAN_COUNT_COLUMNS)
    rows = conn.execute(
        select(b.c.reseau_code, *[func.sum(b.c[c]) for c in columns])
        .where(b.c.annee_scolaire == annee)
        .group_by(b.c.reseau_code)
    ).all()
    out = {}
    for code, *values in rows:
        counts = {c: int(v or 0) for c, v in zip(columns, values, strict=True)}
        counts["raccroches"] = sum(counts[c] for c in SOLUTION_COLUMNS)
        out[code] = counts
    return out


def _tree_totals(networks: dict[str, dict[str, int]],
                 index: dict[str, tq.Territory]) -> tuple[dict, dict, dict]:
    """(totals per maskable territory, its level, children of each parent) from the year's
    territory index (``territoires.territory_index``)."""
    totals: dict[str, dict[str, int]] = {}
    level: dict[str, str] = {}
    children: dict[str, list[str]] = defaultdict(list)
    for territory in index.values():
        if territory.niveau not in ("reseau", "psad"):
            continue
        counts = [networks.get(r, dict.fromkeys(ADDITIVE, 0)) for r in territory.reseaux]
        totals[territory.code] = {key: sum(c[key] for c in counts) for key in ADDITIVE}
        level[territory.code] = territory.niveau
        children[territory.parent_code].append(territory.code)
    return totals, level, children


def _smallest(candidates: list[tuple[int, str]]) -> str | None:
    """The name of the smallest candidate ``(value, name)`` (ties: by name), None when empty."""
    return min(candidates)[1] if candidates else None


def complementary_masks(conn: Connection, index: dict[str, tq.Territory], annee: str,
                        limit: int | None = None) -> dict[str, frozenset[str]]:
    """Per network and PSAD code: every count key to mask for school year ``annee`` (primary and
    complementary; a superset of what ``disclose`` masks on its own); ``index`` is that year's
    ``territoires.territory_index``."""
    limit = limit or disclosure.threshold()
    totals, level, children = _tree_totals(_network_totals(conn, annee), index)
    masked: dict[str, set[str]] = {code: set(disclose(counts, level[code], limit)[1]) & set(ADDITIVE)
                                   for code, counts in totals.items()}
    # PSAD (parents of networks) before departments: the lowest level is completed first
    bottom_up = sorted(children.items(), key=lambda item: (level.get(item[0]) != "psad", item[0]))
    changed = True
    while changed:
        changed = False
        for parent, kids in bottom_up:
            kids = [k for k in kids if k in totals]
            for key in ADDITIVE:
                hidden = [k for k in kids if key in masked[k]]
                parent_hidden = parent in masked and key in masked[parent]
                needs = (not parent_hidden and len(hidden) == 1 and len(kids) >= 2) or (parent_hidden and not hidden)
                if needs:
                    pick = _smallest([(totals[k][key], k) for k in kids if key not in masked[k]])
                    if pick is not None:
                        masked[pick].add(key)
                        changed = True
        for code, keys in masked.items():
            solutions = [c for c in SOLUTION_COLUMNS if c in keys]
            lone = len(solutions) == 1 and "raccroches" not in keys
            total_only = not solutions and "raccroches" in keys
            if lone or total_only:
                pick = _smallest([(totals[code][c], c) for c in SOLUTION_COLUMNS if c not in keys])
                if pick is not None:
                    keys.add(pick)
                    changed = True
    return {code: frozenset(keys) for code, keys in masked.items() if keys}
