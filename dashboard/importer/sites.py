"""One school per UAI out of a directory that lists a school once per site.

The ministry's *Annuaire de l'éducation* gives a school with several sites one row per site, under
the same UAI, flagged ``etablissement_multi_lignes`` = 1 (0352072M: its LP and its LPO; 0350852L:
the collège and its annex in another commune). Such a group becomes one school:

* rows that agree on every column the dashboard imports (name, type, sector, commune, priority
  education, network) are one row, whatever the flag says;
* flagged rows that differ give the row of the main site: not an annex (« annexe » in its name),
  then the row whose name agrees with the school's nature (« Lycée polyvalent … » for a nature 306),
  then the first such row of the file.

One warning counts them and names the line kept for each school; the rows left out are counted
among the rows set aside. Rows of one UAI that differ without the flag are still an error (two
different schools cannot share a UAI in a file the académie made).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboard import fmt
from dashboard.importer.contracts import squash
from dashboard.importer.natures import nature
from dashboard.importer.parsing import restore_code
from dashboard.importer.reading import LINE
from dashboard.importer.report import WARNING, Issues

IMPORTED = ("nom", "type", "secteur", "commune_insee", "education_prioritaire", "reseau_code")
FLAG = "multi_lignes"
TRUE = {"1", "oui", "vrai", "true", "x"}
SITES = "sites secondaires d'un même établissement"
REPEATED = "lignes répétées d'un même établissement"
LISTED = 10  # schools named one by one in the warning


@dataclass(frozen=True)
class Merge:
    uai: str
    kept: int  # line kept
    dropped: tuple[int, ...]
    why: str  # why this line (French), "" when the rows agree
    sites: bool  # several sites (else rows repeated alike)


def merge(t: pl.DataFrame, has: set[str], issues: Issues) -> tuple[pl.DataFrame, tuple[tuple[str, int], ...]]:
    """``t`` with one row per UAI for the groups described above; (reason, rows left out)."""
    key = pl.col("uai").str.strip_chars().str.to_uppercase()
    repeated = t.filter(key.is_not_null() & key.is_duplicated())
    if repeated.is_empty():
        return t, ()
    values = [c for c in IMPORTED if c in t.columns]
    flags = (pl.col(FLAG).map_elements(lambda v: restore_code(v).lower() in TRUE, return_dtype=pl.Boolean)
             .fill_null(False) if FLAG in has else pl.lit(False))
    grouped = repeated.with_columns(key.alias("_uai"), flags.alias("_multi")).sort(LINE)
    merges = [m for (uai,), rows in grouped.group_by("_uai", maintain_order=True)
              if (m := merge_group(uai, rows, values)) is not None]
    if not merges:
        return t, ()
    dropped = {line for m in merges for line in m.dropped}
    report(merges, issues)
    counts = ((SITES, sum(len(m.dropped) for m in merges if m.sites)),
              (REPEATED, sum(len(m.dropped) for m in merges if not m.sites)))
    return t.filter(~pl.col(LINE).is_in(sorted(dropped))), tuple((r, n) for r, n in counts if n)


def merge_group(uai: str, rows: pl.DataFrame, values: list[str]) -> Merge | None:
    lines = rows[LINE].to_list()
    if rows.select(values).unique().height == 1:
        return Merge(uai, lines[0], tuple(lines[1:]), "", bool(rows["_multi"].all()))
    if not rows["_multi"].all():
        return None  # reported as rows in conflict
    kept, why = main_site(rows)
    return Merge(uai, kept, tuple(line for line in lines if line != kept), why, True)


def main_site(rows: pl.DataFrame) -> tuple[int, str]:
    """(line of the main site, why it was chosen, in French)."""
    records = rows.to_dicts()
    candidates = [r for r in records if "annexe" not in squash(r.get("nom") or "")] or records
    if len(candidates) == 1:
        return candidates[0][LINE], ("l'autre site est une annexe" if len(records) == 2
                                     else "les autres sites sont des annexes")
    agreeing = [r for r in candidates if r.get("type") and nature(r.get("nom") or "")[0] == r["type"]]
    if len(agreeing) == 1:
        return agreeing[0][LINE], "son nom correspond à la nature de l'établissement"
    return (agreeing or candidates)[0][LINE], "première ligne de l'établissement dans le fichier"


def report(merges: list[Merge], issues: Issues) -> None:
    sites = [m for m in merges if m.sites]
    alike = [m for m in merges if not m.sites]
    if sites:
        rows = sum(1 + len(m.dropped) for m in sites)
        issues.add(None, "", None, "établissement sur plusieurs lignes",
                   f"{fmt.integer(len(sites))} établissement{plural(len(sites))} figure{plural(len(sites), 'nt')} "
                   f"sur plusieurs lignes, une par site ({fmt.integer(rows)} lignes) : chacun est importé une seule "
                   f"fois, avec la ligne de son site principal. {detail(sites)}", WARNING)
    if alike:
        rows = sum(1 + len(m.dropped) for m in alike)
        issues.add(None, "", None, "établissement sur plusieurs lignes",
                   f"{fmt.integer(len(alike))} établissement{plural(len(alike))} figure{plural(len(alike), 'nt')} "
                   f"sur plusieurs lignes identiques pour toutes les colonnes importées ({fmt.integer(rows)} lignes) : "
                   f"chacun est importé une seule fois. {detail(alike)}", WARNING)


def detail(merges: list[Merge]) -> str:
    parts = []
    for m in merges[:LISTED]:
        others = ", ".join(str(line) for line in m.dropped)
        why = f" ({m.why})" if m.why else ""
        parts.append(f"{m.uai} : ligne {m.kept} retenue{why}, ligne{plural(len(m.dropped))} {others} écartée"
                     f"{plural(len(m.dropped))}")
    more = f" ; et {fmt.integer(len(merges) - LISTED)} autres" if len(merges) > LISTED else ""
    return " ; ".join(parts) + more + "."


def plural(n: int, suffix: str = "s") -> str:
    return suffix if n > 1 else ""
