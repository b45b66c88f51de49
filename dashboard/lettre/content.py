"""What a letter says, gathered once from the published figures (core, no Streamlit).

Every figure the letter quotes is a line of the figures export of its territory
(``queries.figures.territory_figures`` then ``figures.lines``), written by
``publish.text.cell_text``: its value, rounding and secrecy mark are those of every other channel. The
sentences are the deck's « Points saillants » (``dashboard.slides.gather``), computed with the
reader's scope, so that a reader never meets a figure their profile cannot open.

A *part* is one territory seen with one scope (plain JSON, so that a published letter is frozen as
it was)::

    {"code", "nom", "libelle", "niveau", "phase", "phase_libelle", "periode_fin",
     "chiffres": [Figure…], "phrases": {slide: [sentence…]}, "tableau": [Row…],
     "mlds": [Figure…], "mlds_tableau": [Row…], "periodes": [Period…], "solutions": [Figure…]}

    Figure = {"cle", "libelle", "texte", "valeur", "secret"}   (valeur: the published, rounded value)
    Row = {"code", "nom", "niveau", "cellules": {cle: Figure}}
"""

from __future__ import annotations

from sqlalchemy import Connection

from dashboard import fmt
from dashboard.access.scope import ACADEMIE, Scope
from dashboard.disclosure import marks as disclosure_marks
from dashboard.publish import figures, narrative
from dashboard.publish import text as publish_text
from dashboard.slides import content as deck
from queries import figures as figures_query
from queries import raccrochage_position as position
from queries import territoires as tq
from queries.statuses import Status

#: The key figures of a part, in reading order (keys of the figures export).
KEY_FIGURES = ("raccroches", "objectif", "taux_atteinte", "niveau_attendu", "ecart_trajectoire",
               "statut_trajectoire", "projection_fin_annee", "ecart_objectif", "jeunes_signales", "taux_contact",
               "part_solution", "contrats_foquale")
#: Key figures left out once the year is closed (no trajectory), and while it is open.
OPEN_ONLY = frozenset({"niveau_attendu", "ecart_trajectoire", "projection_fin_annee"})
CLOSED_ONLY = frozenset({"ecart_objectif"})
#: The columns of the progress table (one row per département, PSAD or network).
TABLE_KEYS = ("periode_fin", "raccroches", "objectif", "taux_atteinte", "ecart_trajectoire", "statut_trajectoire")
CLOSED_TABLE_KEYS = ("periode_fin", "raccroches", "objectif", "taux_atteinte", "ecart_objectif",
                     "statut_trajectoire")
MLDS_KEYS = ("mlds_sites", "mlds_places", "mlds_jeunes_accueillis", "mlds_taux_occupation")
PREVENTION_KEYS = ("couverture_referents", "eleves_reperes", "eleves_reperes_pour_1000", "part_suivis",
                   "signalements_plateforme", "angles_morts")
SOLUTION_PREFIX = "raccroches_par_solution."


def figure(line) -> dict:
    """One published figure: its key, French label, text as every channel writes it, rounded value."""
    column = line.column
    mark = line.mark
    return {
        "cle": column.key,
        "libelle": column.header,
        "texte": publish_text.cell_text(column, line.value, mark),
        "valeur": None if mark else _jsonable(publish_text.rounded(column, line.value)),
        "secret": disclosure_marks.mark_text(mark) if mark else None,
    }


def _jsonable(value):
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def published_figures(conn: Connection, scope: Scope, code: str, annee: str) -> tuple[dict[str, dict], dict]:
    """Every figure of the export of ``code`` (scope checked), as ``figure`` dicts by key, and the
    export itself."""
    data = figures_query.territory_figures(conn, scope, code, annee)
    return {line.column.key: figure(line) for line in figures.lines(data)}, data


class FigureCache:
    """The published figures of each territory, computed once per composition: they are the same
    whoever reads them (the secrecy decision is the year's, not the reader's); who may read which
    territory is checked before each use (``part`` and ``_table_territories``)."""

    def __init__(self) -> None:
        self._by_code: dict[tuple[str, str], tuple[dict, dict]] = {}

    def get(self, conn: Connection, code: str, annee: str) -> tuple[dict, dict]:
        key = (code, annee)
        if key not in self._by_code:
            self._by_code[key] = published_figures(conn, Scope.full("lettre"), code, annee)
        return self._by_code[key]


def _row(conn: Connection, cache: FigureCache, territory: tq.Territory, annee: str, keys) -> dict:
    shown, _ = cache.get(conn, territory.code, annee)
    return {"code": territory.code, "nom": territory.nom, "libelle": territory.label, "niveau": territory.niveau,
            "cellules": {k: shown[k] for k in keys if k in shown}}


def _table_territories(conn: Connection, scope: Scope, territory: tq.Territory, annee: str) -> list[tq.Territory]:
    """The rows of the progress table: below the académie, each département followed by its networks;
    below a département or a PSAD, its networks; nothing below a network or outside the detail scope."""
    index = tq.territory_index(conn, annee)
    if territory.niveau == "reseau" or not tq.can_view_detail(index, scope, territory.code):
        return []
    if territory.niveau == "academie":
        out = []
        for dep in (t for t in index.values() if t.niveau == "departement"):
            out.append(dep)
            out += [index[r] for r in dep.reseaux if r in index]
        return out
    return [index[r] for r in territory.reseaux if r in index]


def _mlds_territories(conn: Connection, scope: Scope, territory: tq.Territory, annee: str) -> list[tq.Territory]:
    if territory.niveau != "academie":
        return []
    index = tq.territory_index(conn, annee)
    if not tq.can_view_detail(index, scope, territory.code):
        return []
    return [t for t in index.values() if t.niveau == "departement"]


def _periods(content: deck.DeckContent) -> list[dict]:
    """The period series as the Raccrochage page publishes it (disclosed): label, cumulative
    raccrochés (None when masked) and the expected level."""
    frame = content.periodes
    if frame.is_empty():
        return []
    out = []
    for row in frame.iter_rows(named=True):
        marks = disclosure_marks.decode_marks(row.get("cellules_masquees")) if "cellules_masquees" in frame.columns else {}
        cumul = None if "raccroches_cumul" in marks else row["raccroches_cumul"]
        flow = None if "raccroches" in marks else row["raccroches"]
        out.append({"periode_fin": row["periode_fin"], "libelle": row["libelle"], "cumul": cumul,
                    "raccroches": flow, "attendu": None if row["attendu"] is None else round(row["attendu"])})
    return out


def part(conn: Connection, scope: Scope, code: str, annee: str, cache: FigureCache | None = None) -> dict:
    """One territory seen with ``scope`` (``AccessDenied`` outside it, ``KeyError`` if unknown)."""
    cache = cache or FigureCache()
    territory = tq.resolve_territory(conn, scope, code, annee)  # the scope check, first
    shown, data = cache.get(conn, territory.code, annee)
    content = deck.gather(conn, scope, code, annee, with_map=False)
    phase = data.get("situation_annee") or position.OPEN
    closed = position.is_closed(phase)
    skipped = OPEN_ONLY if closed else CLOSED_ONLY
    sentences: dict[str, list[str]] = {}
    for highlight in content.highlights:
        sentences.setdefault(highlight.slide, []).append(highlight.text)
    prevention = prevention_sentence(shown)
    if prevention:
        sentences["prevention"] = [prevention]
    table_keys = CLOSED_TABLE_KEYS if closed else TABLE_KEYS
    return {
        "code": territory.code,
        "nom": territory.nom,
        "libelle": territory.label,
        "niveau": territory.niveau,
        "sujet": _subject(territory),
        "phase": phase,
        "phase_libelle": position.PHASE_LABELS.get(phase, ""),
        "periode_fin": data.get("periode_fin"),
        "chiffres": [shown[k] for k in KEY_FIGURES if k in shown and k not in skipped],
        "phrases": sentences,
        "colonnes": [shown[k]["libelle"] if k in shown else k for k in table_keys],
        "cles_tableau": list(table_keys),
        "tableau": [_row(conn, cache, t, annee, table_keys) for t in _table_territories(conn, scope, territory, annee)],
        "mlds": [shown[k] for k in MLDS_KEYS if k in shown],
        "mlds_tableau": [_row(conn, cache, t, annee, MLDS_KEYS) for t in _mlds_territories(conn, scope, territory,
                                                                                             annee)],
        "solutions": [shown[k] for k in shown if k.startswith(SOLUTION_PREFIX)],
        "periodes": _periods(content),
        "demo": bool(data.get("donnees_de_demonstration")),
    }


def _subject(territory: tq.Territory) -> str:
    return narrative.subject(territory.niveau, territory.code, territory.nom)[0]


def prevention_sentence(shown: dict[str, dict]) -> str | None:
    """Prevention in one sentence, from the published prevention figures (masked ones not quoted)."""
    coverage = shown.get("couverture_referents")
    spotted = shown.get("eleves_reperes")
    if not coverage or coverage["valeur"] is None:
        return None
    text = f"{coverage['texte']} des établissements ont un référent décrochage"
    if spotted and spotted["valeur"]:
        text += f" ; les GPDS ont repéré {spotted['texte']} élèves depuis la rentrée"
        per = shown.get("eleves_reperes_pour_1000")
        if per and per["valeur"] is not None:
            text += f" ({per['texte']} pour 1 000 élèves)"
        followed = shown.get("part_suivis")
        if followed and followed["valeur"] is not None:
            text += f", dont {followed['texte']} suivis par le GPDS"
    spots = shown.get("angles_morts")
    if spots and spots["valeur"]:
        count = spots["valeur"]
        text += (f" ; {spots['texte']} " + ("établissement très touché par l'absentéisme a" if count == 1 else
                                            "établissements très touchés par l'absentéisme ont")
                 + " un GPDS peu ou pas actif (« angles morts »)")
    return text + "."


# --- what changed since the previous letter -------------------------------------------------------


def _value(part_: dict, key: str):
    for item in part_.get("chiffres", []):
        if item["cle"] == key:
            return item
    return None


def _late_count(part_: dict) -> int | None:
    rows = [r for r in part_.get("tableau", []) if r["niveau"] == "reseau"]
    if not rows:
        return None
    return sum(1 for r in rows if (r["cellules"].get("statut_trajectoire") or {}).get("valeur") == Status.EN_RETARD)


def changes(now: dict, previous: dict | None, previous_part: dict | None) -> list[str]:
    """« Depuis la dernière lettre »: the académie's published figures now against those the previous
    letter published (``previous``: its header; ``previous_part``: its académie part seen with the same
    scope), or, for the first letter of a year, the last bimonthly period's raccrochés."""
    out: list[str] = []
    same_year = previous is not None and previous_part is not None and previous.get("annee") == now.get("annee")
    if same_year:
        before, after = _value(previous_part, "raccroches"), _value(now["part"], "raccroches")
        lead = f"Depuis la lettre n° {previous['numero']} (bilan au {fmt.date_long(previous['periode_fin'])})"
        if before and after and before["valeur"] is not None and after["valeur"] is not None:
            diff = after["valeur"] - before["valeur"]
            more = "de plus ont été raccrochés" if diff >= 0 else "de moins sont comptés comme raccrochés"
            out.append(f"{lead}, {fmt.integer(abs(diff))} jeunes {more} ({before['texte']} puis {after['texte']}).")
        rate_before, rate_after = _value(previous_part, "taux_atteinte"), _value(now["part"], "taux_atteinte")
        if rate_before and rate_after and rate_before["valeur"] is not None and rate_after["valeur"] is not None:
            out.append(f"Le taux d'atteinte de l'objectif passe de {rate_before['texte']} à {rate_after['texte']} "
                       f"({fmt.signed_points(rate_after['valeur'] - rate_before['valeur'])}).")
        late_before, late_after = _late_count(previous_part), _late_count(now["part"])
        if late_before is not None and late_after is not None:
            if late_before == late_after:
                out.append(f"Autant de réseaux FOQUALE en retard sur leur trajectoire qu'à la lettre précédente "
                           f"({late_after}).")
            else:
                out.append(f"Réseaux FOQUALE en retard sur leur trajectoire : {late_after}, contre {late_before} "
                           "à la lettre précédente.")
        return out
    periods = now["part"].get("periodes") or []
    if periods:
        last = periods[-1]
        if previous is None:
            out.append("Première lettre de la MLDS publiée avec le tableau de bord.")
        else:
            out.append(f"Première lettre de l'année scolaire {now['annee']}.")
        if last["raccroches"] is not None:
            count = last["raccroches"]
            out.append(f"Sur le dernier bimestre ({last['libelle']}), {fmt.integer(count)} "
                       + ("jeune a été raccroché" if count == 1 else "jeunes ont été raccrochés")
                       + " d'après les bilans reçus.")
    return out


def aggregates_scope() -> Scope:
    """The académie as every reader outside the académie-wide roles sees it: aggregates only."""
    return Scope("lecteur", ACADEMIE, "lettre")


def territory_scope(territory: tq.Territory) -> Scope:
    """The scope of the person in charge of ``territory`` (what their part of the letter shows)."""
    role = {"departement": "ien-io", "psad": "psad", "reseau": "reseau"}[territory.niveau]
    return Scope(role, territory.code, "lettre")
