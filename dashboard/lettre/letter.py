"""One letter: composed once from the published figures, frozen as JSON when it is published, and
seen by each reader through their scope (core, no Streamlit).

``compose`` gathers every part a reader may receive — the académie as the académie-wide roles see it
(with each département's and network's progress), the académie as everyone else sees it (aggregates
only), and each département, PSAD and network as the person in charge of it sees it — with the
editorial blocks. ``view`` picks, for one scope, the académie part and the reader's own territory:
a network's head never receives another network's figures.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from dashboard import fmt
from dashboard.access.scope import ACADEMIE, ACADEMIE_ROLES, Scope
from dashboard.disclosure import marks
from dashboard.lettre import content as parts
from dashboard.publish.provenance import DEMO_LINE, SOURCES
from dashboard.store import db
from queries import raccrochage_position as position
from queries import territoires as tq

FULL, AGGREGATES = "academie", "academie_agregats"


class PeriodUnavailable(Exception):
    """A letter asked for a period that is not the latest bilan received (French ``message``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def latest_period(conn: Connection, annee: str) -> str | None:
    """The bilan period a new letter of ``annee`` is about: the latest received in the académie."""
    return position.year_state(conn, annee).latest


def check_period(conn: Connection, annee: str, periode: str) -> None:
    """``PeriodUnavailable`` unless ``periode`` is the latest bilan period received for ``annee``:
    the published figures (and their secrecy decisions) are those of the latest bilan."""
    latest = latest_period(conn, annee)
    if latest is None:
        raise PeriodUnavailable(f"Aucun bilan n'a été reçu pour l'année {annee} : pas de lettre à composer.")
    if periode != latest:
        raise PeriodUnavailable(
            f"Les bilans de {annee} sont reçus jusqu'au {fmt.date_long(latest)} : une nouvelle lettre porte sur ce "
            f"dernier bilan, pas sur celui du {fmt.date_long(periode)} (les lettres déjà publiées restent dans "
            "l'archive).")


def title(numero: int | None, annee: str, periode: str, closed: bool) -> str:
    number = f"n° {numero}" if numero is not None else "(brouillon)"
    if closed:
        return f"Lettre de la MLDS {number} — bilan de l'année {annee}"
    return f"Lettre de la MLDS {number} — bilan au {fmt.date_long(periode)}"


def blocks_content(conn: Connection, annee: str, blocks: list[dict]) -> dict:
    """The editorial blocks as the letter shows them (network names resolved, empty blocks dropped)."""
    index = tq.territory_index(conn, annee)
    editorial = next((b for b in blocks if b["genre"] == "editorial" and (b.get("texte") or "").strip()), None)
    practices = []
    for b in blocks:
        if b["genre"] != "pratique" or not ((b.get("titre") or "").strip() or (b.get("texte") or "").strip()):
            continue
        code = b.get("reseau_code")
        practices.append({"titre": (b.get("titre") or "").strip(), "texte": (b.get("texte") or "").strip(),
                          "reseau": index[code].label if code in index else None,
                          "contact": (b.get("contact") or "").strip() or None})
    agenda = [{"date": b.get("date_evenement"), "date_texte": fmt.date_long(b["date_evenement"])
               if b.get("date_evenement") else None, "titre": (b.get("titre") or "").strip(),
               "texte": (b.get("texte") or "").strip(), "lieu": (b.get("lieu") or "").strip() or None}
              for b in blocks if b["genre"] == "agenda" and ((b.get("titre") or "").strip()
                                                              or (b.get("texte") or "").strip())]
    agenda.sort(key=lambda item: item["date"] or "9999")
    return {
        "editorial": {"titre": (editorial.get("titre") or "").strip() or "Éditorial",
                      "texte": editorial["texte"].strip()} if editorial else None,
        "pratiques": practices,
        "agenda": agenda,
    }


def compose(conn: Connection, annee: str, periode: str, blocks: list[dict], *, numero: int | None = None,
            previous: dict | None = None, today: dt.date | None = None, territories: bool = True) -> dict:
    """The whole letter for ``annee`` at bilan ``periode`` (``PeriodUnavailable`` otherwise).

    ``previous``: the frozen content of the previous published letter (for « depuis la dernière
    lettre »), or None. ``territories=False`` leaves out the parts of each département, PSAD and
    network (a preview of the académie's letter)."""
    check_period(conn, annee, periode)
    cache = parts.FigureCache()
    full = parts.part(conn, Scope.full("lettre"), ACADEMIE, annee, cache)
    aggregates = parts.part(conn, parts.aggregates_scope(), ACADEMIE, annee, cache)
    index = tq.territory_index(conn, annee)
    own = {t.code: parts.part(conn, parts.territory_scope(t), t.code, annee, cache)
           for t in index.values() if t.niveau != "academie"} if territories else {}
    closed = position.is_closed(full["phase"])
    header = {"numero": numero, "annee": annee, "periode_fin": periode}
    prev_header = _header(previous)
    out = {
        **header,
        "titre": title(numero, annee, periode, closed),
        "date_donnees": f"Données au {fmt.date_long(periode)} (dernier bilan reçu)",
        "academie_nom": db.get_meta(conn, "academie_nom") or _academie_name(index),
        "phase": full["phase"],
        "phase_libelle": full["phase_libelle"],
        "provisoire": full["phase"] in (position.PROVISIONAL, position.CLOSED_INCOMPLETE),
        "close": closed,
        "demo": full["demo"],
        "genere_le": (today or dt.date.today()).isoformat(),
        **blocks_content(conn, annee, blocks),
        FULL: full,
        AGGREGATES: aggregates,
        "territoires": own,
        "changements": {
            FULL: parts.changes({**header, "part": full}, prev_header, (previous or {}).get(FULL)),
            AGGREGATES: parts.changes({**header, "part": aggregates}, prev_header, (previous or {}).get(AGGREGATES)),
        },
        "sources": [SOURCES["raccrochage"], SOURCES["absenteisme"], SOURCES["prevention"]],
        "secret": marks.legend(),
        "avertissement_demo": DEMO_LINE if full["demo"] else None,
    }
    return out


def _header(content: dict | None) -> dict | None:
    if not content:
        return None
    return {k: content.get(k) for k in ("numero", "annee", "periode_fin")}


def _academie_name(index: dict) -> str:
    territory = index.get(ACADEMIE)
    return territory.nom if territory else "Académie"


# --- what one reader receives -------------------------------------------------------------------


def variant_key(scope: Scope) -> str:
    """Which version of the letter a scope receives: the whole académie, the académie's aggregates
    only, or the aggregates and one territory (``"territoire:CODE"``)."""
    if scope.role in ACADEMIE_ROLES:
        return FULL
    if scope.aggregates_only or scope.territoire_code in (None, ACADEMIE):
        return AGGREGATES
    return f"territoire:{scope.territoire_code}"


def view(content: dict, scope: Scope) -> dict:
    """The letter as ``scope`` reads it: the académie part it may see, and its own territory's part."""
    key = variant_key(scope)
    academie = content[FULL] if key == FULL else content[AGGREGATES]
    changes = content["changements"][FULL if key == FULL else AGGREGATES]
    territory = None
    if key.startswith("territoire:"):
        territory = content["territoires"].get(key.partition(":")[2])
    out = {k: v for k, v in content.items() if k not in (FULL, AGGREGATES, "territoires", "changements")}
    out.update({"academie": academie, "territoire": territory, "changements": changes, "variante": key})
    return out
