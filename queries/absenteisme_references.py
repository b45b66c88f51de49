"""National reference rates of absenteeism (docs/architecture.md, "Domain facts"), from one data file shown on the
Méthodologie page: ``dashboard/data/references_nationales.csv``.

The file holds, per school year and school type, the rate published by the DEPP (public sector,
yearly mean of the monthly rates) with the publication named on each row (``statut`` « publié »),
and, for the types the DEPP never publishes separately (LPO, EREA), an estimate from the same
year's published rates (``statut`` « estimé », rule in ``estimation``). A year without any
publication (2019-2020) has no row. Columns::

    annee_scolaire;type;taux_pct;statut;estimation;perimetre;publication;adresse;note

``taux_pct`` is a percentage (decimal comma or point); a file may give ``taux``, a fraction, instead. ``type`` is a school type of the project
(COLLEGE, LGT, LP, LPO, EREA), a joint publication ("LGT+LPO": one rate for both types) or
ENSEMBLE (every public secondary school: shown on Méthodologie, never used as a type's reference).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dashboard import fmt

REFERENCES_PATH = Path(__file__).resolve().parents[1] / "dashboard" / "data" / "references_nationales.csv"
TYPE_LABELS = {"COLLEGE": "Collège", "LGT": "LGT", "LP": "LP", "LPO": "LPO", "EREA": "EREA", "AUTRE": "Autre"}
OVERALL = "ENSEMBLE"
OVERALL_LABEL = "Ensemble (public)"
PUBLISHED = "publié"
ESTIMATED = "estimé"

REFERENCE_SCHEMA = {"annee_scolaire": pl.String, "type": pl.String, "taux": pl.Float64, "statut": pl.String,
                    "estimation": pl.String, "perimetre": pl.String, "publication": pl.String,
                    "adresse": pl.String, "note": pl.String}


def load_references(path: Path | None = None) -> pl.DataFrame:
    """Every row of the reference file, ``taux`` as a fraction (``taux_pct`` / 100)."""
    path = path or REFERENCES_PATH
    if not path.exists():
        return pl.DataFrame(schema=REFERENCE_SCHEMA)
    frame = pl.read_csv(path, separator=";", infer_schema=False, encoding="utf8-lossy")
    frame = frame.rename({c: c.strip().lower().lstrip("\ufeff") for c in frame.columns})
    if "taux_pct" in frame.columns:  # a percentage
        rate = _decimal(pl.col("taux_pct")) / 100
    elif "taux" in frame.columns:  # a fraction
        rate = _decimal(pl.col("taux"))
    else:
        return pl.DataFrame(schema=REFERENCE_SCHEMA)
    frame = frame.with_columns(rate.alias("taux"))
    for column in REFERENCE_SCHEMA:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    frame = frame.with_columns(pl.col("type").str.strip_chars().str.to_uppercase(), pl.col("statut").str.strip_chars())
    return frame.select(list(REFERENCE_SCHEMA)).cast(REFERENCE_SCHEMA).filter(pl.col("taux").is_not_null())


def _decimal(column: pl.Expr) -> pl.Expr:
    return (column.str.replace_all(r"[%\s\u00a0]", "").str.replace(",", ".").cast(pl.Float64, strict=False))


def reference_types(label: str) -> list[str]:
    """File type label → school types it stands for ("LEGT" → LGT, "LGT+LPO" → LGT and LPO)."""
    aliases = {"LEGT": "LGT", "COLLEGES": "COLLEGE", "COLLÈGE": "COLLEGE"}
    return [aliases.get(part.strip(), part.strip()) for part in label.replace("/", "+").split("+")]


def references_for(annee: str, path: Path | None = None) -> dict[str, dict]:
    """School type → {"taux", "statut", "source", "estimation", "commune"} of the national reference
    for that school year (``source``: the publication; ``commune``: true when the DEPP published
    one rate for several types, e.g. LGT and LPO in 2022-2023). Empty for a year without any."""
    out: dict[str, dict] = {}
    for row in load_references(path).filter(pl.col("annee_scolaire") == annee).iter_rows(named=True):
        types = reference_types(row["type"])
        if types == [OVERALL]:
            continue
        for school_type in types:
            out[school_type] = {"taux": row["taux"], "statut": row["statut"], "source": row["publication"],
                                "estimation": row["estimation"], "commune": len(types) > 1}
    return out


def is_estimated(reference: dict | None) -> bool:
    return reference is not None and reference.get("statut") != PUBLISHED


def reference_text(reference: dict | None) -> str:
    """« 2,8 % », « 7,2 % (estimé) » or « — » for one type's reference."""
    if reference is None:
        return fmt.MISSING
    return fmt.percent(reference["taux"]) + (f" ({ESTIMATED})" if is_estimated(reference) else "")


def references_note(annee: str, references: dict[str, dict], types: list[str] | None = None) -> str:
    """One French sentence saying where the references of ``annee`` come from: the publication,
    which types are estimated (not published separately), or that nothing is published."""
    shown = {t: r for t, r in references.items() if types is None or t in types}
    if not shown:
        return f"Aucun taux national de référence n'est publié pour {annee}."
    sources = sorted({r["source"] for r in shown.values() if not is_estimated(r) and r.get("source")})
    estimated = [TYPE_LABELS.get(t, t) for t in TYPE_LABELS if is_estimated(shown.get(t))]
    text = f"Références nationales {annee} (secteur public) : " + (" ; ".join(sources) or "DEPP")
    if len(estimated) > 1:
        text += f" ; {', '.join(estimated[:-1])} et {estimated[-1]} : taux estimés, la DEPP ne les publiant pas séparément"
    elif estimated:
        text += f" ; {estimated[0]} : taux estimé, la DEPP ne le publiant pas séparément"
    return text + "."


def references_markdown(path: Path | None = None) -> str:
    """The reference rates in French markdown for the Méthodologie page: one row per school year,
    one column per school type and the public-sector overall rate (published rates in bold,
    estimates in italics), then the publication of each year and the estimation rules."""
    frame = load_references(path)
    if frame.is_empty():
        return "_Aucun taux de référence national n'est chargé._"
    cells: dict[str, dict[str, str]] = {}
    joint: set[str] = set()
    for row in frame.iter_rows(named=True):
        text = fmt.percent(row["taux"])
        types = reference_types(row["type"])
        if len(types) > 1:  # the note mark inside the emphasis, or markdown leaves the asterisks
            joint.add(row["annee_scolaire"])
            text += "¹"
        text = f"*{text}*" if row["statut"] != PUBLISHED else f"**{text}**"
        for school_type in types:
            cells.setdefault(row["annee_scolaire"], {})[school_type] = text
    columns = [t for t in (*TYPE_LABELS, OVERALL) if any(t in c for c in cells.values())]
    labels = {**TYPE_LABELS, OVERALL: OVERALL_LABEL}
    lines = ["| Année scolaire | " + " | ".join(labels[t] for t in columns) + " |",
             "|---|" + "---|" * len(columns)]
    years = sorted(cells)
    for year in years:
        lines.append(f"| {year} | " + " | ".join(cells[year].get(t, fmt.MISSING) for t in columns) + " |")
    missing = _missing_years(years)
    lines += ["", "En **gras** : taux publiés par la DEPP (secteur public, moyenne annuelle des taux mensuels). "
              "En *italique* : taux **estimés**, seulement là où rien n'est publié — les LPO et les EREA, que la "
              "DEPP ne publie pas séparément."]
    if OVERALL in columns:
        lines += ["", f"{OVERALL_LABEL} : tous les établissements publics du second degré, moyenne des mois de "
                  "l'enquête (septembre à avril ou à mai selon l'année) ; ce taux ne sert de référence à aucun type "
                  "d'établissement."]
    if joint:
        lines.append("")
        lines.append("¹ LGT et LPO publiés ensemble (un seul taux pour les deux types) en " + ", ".join(sorted(joint))
                     + ".")
    if missing:
        lines.append("")
        lines.append("Aucun taux publié pour " + ", ".join(missing) + " : pas de référence nationale cette année-là.")
    lines += ["", "Publications :", ""]
    published = frame.filter(pl.col("statut") == PUBLISHED)
    for year, publication in published.select("annee_scolaire", "publication").unique().sort("annee_scolaire").iter_rows():
        lines.append(f"- {year} : {publication}")
    rules = frame.filter(pl.col("statut") != PUBLISHED).select("type", "estimation").unique().sort("type")
    if rules.height:
        lines += ["", "Estimations :", ""]
        lines += [f"- {labels.get(t, t)} : {rule}" for t, rule in rules.iter_rows()]
    return "\n".join(lines)


def _missing_years(years: list[str]) -> list[str]:
    """School years between the first and the last one of ``years`` that have no row."""
    starts = sorted(int(y[:4]) for y in years)
    return [f"{s}-{s + 1}" for s in range(starts[0], starts[-1]) if s not in starts] if starts else []
