"""National reference rates of absenteeism (DESIGN §1), from one data file shown on the
Méthodologie page: ``dashboard/data/references_nationales.csv``
(``annee_scolaire;type;taux;source;statut``; ``taux`` as a fraction or a percent)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dashboard import fmt

REFERENCES_PATH = Path(__file__).resolve().parents[1] / "dashboard" / "data" / "references_nationales.csv"
TYPE_LABELS = {"COLLEGE": "Collège", "LGT": "LGT", "LP": "LP", "LPO": "LPO", "EREA": "EREA", "AUTRE": "Autre"}

REFERENCE_SCHEMA = {"annee_scolaire": pl.String, "type": pl.String, "taux": pl.Float64,
                    "source": pl.String, "statut": pl.String}


def load_references(path: Path | None = None) -> pl.DataFrame:
    """National reference rates (``annee_scolaire;type;taux;source;statut``), ``taux`` as a
    fraction whether the file gives fractions or percents (decimal comma accepted)."""
    path = path or REFERENCES_PATH
    if not path.exists():
        return pl.DataFrame(schema=REFERENCE_SCHEMA)
    frame = pl.read_csv(path, separator=";", infer_schema=False, encoding="utf8-lossy")
    frame = frame.rename({c: c.strip().lower().lstrip("\ufeff") for c in frame.columns})
    rate = pl.col("taux").str.strip_chars().str.replace("%", "").str.replace(",", ".").str.strip_chars()
    frame = frame.with_columns(rate.cast(pl.Float64, strict=False).alias("taux"),
                               pl.col("type").str.strip_chars().str.to_uppercase())
    if frame["taux"].max() is not None and frame["taux"].max() > 1:
        frame = frame.with_columns(pl.col("taux") / 100)
    for column in ("source", "statut"):
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    return frame.select(list(REFERENCE_SCHEMA)).cast(REFERENCE_SCHEMA).filter(pl.col("taux").is_not_null())


def _reference_types(label: str) -> list[str]:
    """File type label → school types it stands for ("LEGT" → LGT, "LEGT+LPO" → LGT and LPO)."""
    aliases = {"LEGT": "LGT", "COLLEGES": "COLLEGE", "COLLÈGE": "COLLEGE"}
    return [aliases.get(part.strip(), part.strip()) for part in label.replace("/", "+").split("+")]


def references_for(annee: str, path: Path | None = None) -> dict[str, dict]:
    """School type → {"taux", "source", "statut"} of the national reference for that year."""
    out: dict[str, dict] = {}
    for row in load_references(path).filter(pl.col("annee_scolaire") == annee).iter_rows(named=True):
        for school_type in _reference_types(row["type"]):
            out[school_type] = {"taux": row["taux"], "source": row["source"], "statut": row["statut"]}
    return out


def references_markdown(path: Path | None = None) -> str:
    """The reference rates in French markdown for the Méthodologie page: one row per school year,
    one column per school type (published rates in bold), then the sources."""
    frame = load_references(path)
    if frame.is_empty():
        return "_Aucun taux de référence national n'est chargé._"
    cells: dict[str, dict[str, str]] = {}
    for row in frame.iter_rows(named=True):
        text = fmt.percent(row["taux"])
        if (row["statut"] or "").startswith("publi"):
            text = f"**{text}**"
        for school_type in _reference_types(row["type"]):
            cells.setdefault(row["annee_scolaire"], {})[school_type] = text
    types = [t for t in TYPE_LABELS if any(t in c for c in cells.values())]
    lines = ["| Année scolaire | " + " | ".join(TYPE_LABELS[t] for t in types) + " |",
             "|---|" + "---|" * len(types)]
    for year in sorted(cells):
        lines.append(f"| {year} | " + " | ".join(cells[year].get(t, fmt.MISSING) for t in types) + " |")
    lines += ["", "En gras : taux publiés ; les autres sont interpolés ou estimés. Sources :", ""]
    for source, statut in frame.select("source", "statut").unique(maintain_order=True).iter_rows():
        lines.append(f"- {source} ({statut})" if statut else f"- {source}")
    return "\n".join(lines)
