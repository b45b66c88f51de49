"""The raccrochage situation tables and the texts beside the figures: the rows of territories as
a declared table (``dashboard.publish.catalog``), one renderer per channel (screen, CSV/XLSX), the
status text of a row, the notes on networks whose latest bilan is missing.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from dashboard import fmt
from dashboard.publish import catalog, screen
from dashboard.publish import columns as publish_columns
from queries import raccrochage_position as position
from queries.statuses import Status


def status_text(statut: str | None) -> str:
    """« ▼ En retard »: the status's symbol and label."""
    status = Status.of(statut)
    return f"{status.marker} {status.label}"


def late_names(fresh: pl.DataFrame) -> list[tuple[str, str | None]]:
    """(name, last bilan) of the networks of ``queries.donnees.bilan_freshness`` that have not sent
    the latest period received in the académie."""
    if fresh.is_empty():
        return []
    late = fresh.filter(pl.col("bilan_manquant") & pl.col("periode_attendue").is_not_null())
    return list(zip(late["reseau_nom"].to_list(), late["derniere_periode"].to_list(), strict=True))


def late_networks_note(fresh: pl.DataFrame, niveau: str) -> str | None:
    """Warning above the figures when networks of the territory (``queries.donnees.bilan_freshness``)
    have not sent the latest bilan: the territory's cumuls count them up to their last bilan."""
    late = fresh.filter(pl.col("bilan_manquant") & pl.col("periode_attendue").is_not_null()) if fresh.height else fresh
    if late.is_empty():
        return None
    expected = fmt.date_long(late["periode_attendue"][0])
    if late.height == fresh.height:  # every network of the territory is behind: figures are dated, not biased
        last = late["derniere_periode"].max()
        since = f"s'arrêtent au {fmt.date_long(last)}, dernier bilan reçu" if last else "sont vides"
        whose = "ce réseau" if niveau == "reseau" else "les réseaux de ce territoire"
        return f"Le bilan de la période close le {expected} n'a pas encore été reçu pour {whose} : les chiffres {since}."
    names = late["reseau_nom"].to_list()
    listed = ", ".join(names[:6]) + (f" et {len(names) - 6} autres" if len(names) > 6 else "")
    subject = "1 réseau n'a" if late.height == 1 else f"{late.height} réseaux n'ont"
    return (f"**Chiffres provisoires** : {subject} pas encore transmis le bilan de la période close le {expected} "
            f"({listed}). Les cumuls du territoire les comptent jusqu'à leur dernier bilan reçu : raccrochés, taux "
            "d'atteinte et écart à la trajectoire sont sous-estimés d'ici là.")



# --- tables: declared columns (``dashboard.publish.catalog``), one renderer per channel -----------------

SUMMARY_COLUMNS = catalog.SITUATION_SUMMARY
#: Every column of the downloads, the code first.
EXPORT_COLUMNS = ("code", *catalog.SITUATION_TABLE)
#: On screen the date of the last bilan comes right after the status.
SCREEN_COLUMNS = ("libelle", "statut", "periode_fin_min",
                  *(c for c in catalog.SITUATION_TABLE if c not in ("libelle", "statut", "periode_fin_min")))


def situation_table(frame: pl.DataFrame, columns: Sequence[str] = SUMMARY_COLUMNS,
                    name: str = "Raccrochage") -> publish_columns.Table:
    """Situation rows (``Detail.publie``: marks in ``cellules_masquees``) as a declared table; a
    closed year shows the gap to the target in place of its trajectory (``position.year_columns``)."""
    columns = position.year_columns(columns, frame_phase(frame))
    return publish_columns.table(name, frame, [catalog.RACCROCHAGE[c] for c in columns if c in frame.columns])


def frame_phase(frame: pl.DataFrame) -> str | None:
    """The year's phase of situation rows (a closed year is closed for every territory)."""
    if "phase" not in frame.columns or frame.is_empty():
        return None
    phases = [p for p in frame["phase"].to_list() if p]
    return phases[0] if phases else None


def styled_table(frame: pl.DataFrame, columns: Sequence[str] = SUMMARY_COLUMNS, markdown: bool = False):
    """The situation rows for ``st.dataframe`` (``st.table`` with ``markdown``: names escaped):
    numeric cells shown in French, masked cells marked, the status coloured (``screen``)."""
    return screen.styler(situation_table(frame, columns), markdown=markdown)


def export_table(frame: pl.DataFrame, name: str = "Raccrochage") -> publish_columns.Table:
    """The situation rows for CSV/XLSX downloads, every column, the code first."""
    return situation_table(frame, EXPORT_COLUMNS, name)
