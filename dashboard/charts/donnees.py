"""Tables of the data pages (Accueil's freshness box, Données chargées): French headers and formats."""

from __future__ import annotations

import polars as pl

from dashboard import fmt


def freshness_table(fresh: pl.DataFrame, detailed: bool = False) -> pl.DataFrame:
    """The table of ``queries.donnees.bilan_freshness``, late networks first; ``detailed`` adds
    the department and the number of periods received."""
    columns = [
        pl.col("reseau_nom").alias("Réseau"),
        pl.col("psad_nom").alias("PSAD"),
        *([pl.col("departement_nom").alias("Département")] if detailed else []),
        pl.col("derniere_periode").map_elements(fmt.date_long, return_dtype=pl.String).alias("Dernière période reçue"),
        *([pl.col("periodes_recues").alias("Périodes reçues")] if detailed else []),
        pl.when(pl.col("en_retard")).then(pl.lit("En retard")).otherwise(pl.lit("À jour")).alias("État"),
    ]
    ordered = fresh.sort("en_retard", "departement_nom", "reseau_nom", descending=[True, False, False])
    return ordered.select(columns)


def counts_table(counts: pl.DataFrame) -> pl.DataFrame:
    """Rows loaded per kind and school year (``queries.donnees.counts_by_year``), French numbers."""
    return counts.with_columns([pl.col(c).map_elements(fmt.integer, return_dtype=pl.String)
                                for c in counts.columns[1:]])
