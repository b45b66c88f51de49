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
        pl.when(pl.col("bilan_manquant"))
        .then(pl.format("Bilan manquant (attendu depuis le {})",
                        pl.col("periode_attendue").map_elements(fmt.date_long, return_dtype=pl.String)))
        .otherwise(pl.lit("À jour")).alias("État"),
    ]
    ordered = fresh.sort("bilan_manquant", "departement_nom", "reseau_nom", descending=[True, False, False])
    return ordered.select(columns)


def counts_table(counts: pl.DataFrame) -> pl.DataFrame:
    """Rows loaded per kind and school year (``queries.donnees.counts_by_year``), French numbers."""
    return counts.with_columns([pl.col(c).map_elements(fmt.integer, return_dtype=pl.String)
                                for c in counts.columns[1:]])


NATURE_LABELS = {
    "importées": "Données réelles (importées)",
    "démonstration": "Démonstration",
    "démonstration et importées": "Démonstration et fichiers importés (mélangés)",
    "par défaut": "Découpage par défaut (indicatif)",
    "vide": "Rien de chargé",
}


def kinds_table(status: pl.DataFrame) -> pl.DataFrame:
    """What is loaded per import kind (``importer.status.kind_status``), French headers and numbers."""
    return status.select(
        pl.col("libelle").alias("Fichier"),
        pl.col("nature").replace_strict(NATURE_LABELS, default=pl.col("nature")).alias("Nature des données"),
        pl.col("lignes").map_elements(fmt.integer, return_dtype=pl.String).alias("Lignes"),
        pl.col("dernier_import").map_elements(fmt.date_time, return_dtype=pl.String).fill_null(fmt.MISSING)
        .alias("Dernier import"),
        pl.col("dernier_fichier").fill_null("—").alias("Dernier fichier"),
    )


def missing_table(missing: pl.DataFrame) -> pl.DataFrame:
    """Per page, what is still missing for real figures (``importer.status.missing_by_page``)."""
    state = (pl.when(pl.col("manquant") != "").then(pl.format("À importer : {}", "manquant"))
             .when(pl.col("indicatif") != "").then(pl.format("Chiffres réels ; {} : indicatif", "indicatif"))
             .otherwise(pl.lit("Chiffres réels")))
    return missing.select(pl.col("page").alias("Page"), state.alias("Situation"),
                          pl.col("besoins").alias("Fichiers utilisés"))


#: Headers of the import history (pages « Importer des données » and « Données chargées »).
HISTORY_HEADERS = {"horodatage": "Date (heure de Paris)", "utilisateur": "Utilisateur", "fichier": "Fichier",
                   "type_fichier": "Type", "lignes": "Lignes", "ajoutees": "Ajoutées", "modifiees": "Modifiées",
                   "inchangees": "Inchangées", "sha256": "Empreinte du fichier"}
#: What the fingerprint is, for its column's help.
FINGERPRINT_HELP = ("Empreinte numérique du fichier importé (SHA-256) : deux fichiers identiques ont la même "
                    "empreinte ; elle permet de vérifier qu'un fichier conservé est bien celui qui a été importé.")


def history_table(history: pl.DataFrame, kind_labels: dict[str, str]) -> pl.DataFrame:
    """The import history (``queries.donnees.import_history``) in French: Paris time, kinds named."""
    return history.with_columns(
        pl.col("horodatage").map_elements(fmt.date_time, return_dtype=pl.String),
        pl.col("type_fichier").replace(kind_labels),
    ).rename(HISTORY_HEADERS)
