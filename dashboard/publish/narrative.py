"""The French sentences that tell where a territory stands: one text for the Accueil headline,
the deck's « Points saillants » and the warnings, so the page, the deck and the export tell the
same story (``queries.raccrochage_position`` decides the phase and the status; this module only
words them). Core, no Streamlit. A sentence is a list of ``(text, emphasis)`` parts: the page
renders them as escaped Markdown, the deck as plain text.
"""

from __future__ import annotations

from collections.abc import Sequence

from dashboard import academie, fmt
from dashboard.publish import catalog
from dashboard.publish import text as publish_text
from queries import raccrochage_position as position
from queries.statuses import Status

Parts = list[tuple[str, bool]]

def subject(niveau: str, code: str, nom: str) -> tuple[str, bool]:
    """(French subject with its article, plural) of a territory: « l'académie », « la Charente »,
    « les Deux-Sèvres », « l'Ille-et-Vilaine », « la PSAD de Saintes », « le réseau Poitiers » (a
    department's article: ``dashboard.academie.departement_sujet``)."""
    if niveau == "academie":
        return "l'académie", False
    if niveau == "departement":
        return academie.departement_sujet(code, nom)
    if niveau == "psad":
        return f"la PSAD {nom}", False
    return f"le réseau {nom}", False


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def verb(plural: bool, singular_form: str, plural_form: str) -> str:
    return plural_form if plural else singular_form


def plain(parts: Parts) -> str:
    return "".join(text for text, _ in parts)


def _raccroches(s: dict, marks: dict) -> str:
    return publish_text.cell_text(catalog.RACCROCHAGE["raccroches"], s["raccroches"] if "raccroches" not in marks
                             else None, marks.get("raccroches"))


def headline(s: dict, shown: dict, marks: dict) -> Parts:
    """Where the territory of situation ``s`` stands (``shown``/``marks``: after disclosure)."""
    if s["periode_fin"] is None:
        return [("Aucun bilan n'a encore été reçu pour ce territoire cette année scolaire.", False)]
    who, plural = subject(s["niveau"], s["code"], s["nom"])
    phase = s.get("phase") or position.OPEN
    count = _raccroches(s, marks)
    date = fmt.date_long(s["periode_fin"])
    closed = position.is_closed(phase)
    parts: Parts = []
    if closed:
        parts.append(("L'année scolaire est close : ", False))
    elif phase == position.PROVISIONAL and s["niveau"] == "reseau":
        parts.append((f"Au {date} (dernier bilan reçu), ", False))
    elif phase == position.PROVISIONAL:
        parts.append((f"Au {date}, au dernier bilan reçu de chaque réseau, ", False))
    else:
        parts.append((f"Au {date}, ", False))
    parts.append((f"{count} jeunes raccrochés", True))
    parts.append((" depuis la rentrée" if not closed else " sur l'année", False))
    objectif = s["objectif"]
    if objectif is None:
        parts.append((" ; aucun objectif n'est fixé pour ce territoire.", False))
        return _first_upper(parts)
    if shown.get("taux_atteinte") is not None:
        parts += [(", soit ", False), (fmt.percent(shown["taux_atteinte"]), True),
                  (f" de l'objectif ({fmt.integer(objectif)})", False)]
    else:
        parts.append((f" (objectif : {fmt.integer(objectif)})", False))
    if closed:
        if s["statut"] not in (position.REACHED, position.NOT_REACHED):
            return _first_upper([*parts, (".", False)])
        reached = s["statut"] == position.REACHED
        incomplete = phase == position.CLOSED_INCOMPLETE
        if not reached and incomplete:
            verdict = "objectif non atteint au dernier bilan reçu"
        else:
            verdict = "objectif atteint" if reached else "objectif non atteint"
        parts += [(" : ", False), (verdict, True)]
        gap = shown.get("ecart_objectif")
        if gap is not None and "ecart_objectif" not in marks:
            parts.append((f" ({fmt.signed_number(gap)})", False))
        if incomplete:
            late = len(s.get("reseaux_en_retard") or ())
            parts.append((" ; 1 réseau n'a pas transmis son dernier bilan" if late == 1
                          else f" ; {late} réseaux n'ont pas transmis leur dernier bilan", False))
        return _first_upper([*parts, (".", False)])
    parts.append((". ", False))
    parts += trajectory_sentence(s, shown, marks, who, plural)
    return _first_upper(parts)


def _first_upper(parts: Parts) -> Parts:
    if parts:
        text, bold = parts[0]
        parts[0] = (capitalised(text), bold)
    return parts


def trajectory_sentence(s: dict, shown: dict, marks: dict, who: str, plural: bool) -> Parts:
    """« La Charente est en retard sur sa trajectoire (attendu à cette date : 351, écart −3,1 %) ;
    au rythme actuel, l'année se terminerait à 436 : l'objectif ne serait pas atteint. » The
    projection clause follows the status (``raccrochage_position.status``): never « sur sa
    trajectoire » with « ne serait pas atteint »."""
    status = Status.of(s["statut"])
    if status.trajectory_words is None:
        return []
    own = "leur" if plural else "sa"
    parts: Parts = [(capitalised(who) + " " + verb(plural, "est", "sont") + " ", False),
                    (f"{status.trajectory_words} {own} trajectoire", True)]
    details = []
    if s.get("attendu") is not None:
        details.append(f"attendu à cette date : {fmt.integer(s['attendu'])}")
    if shown.get("ecart") is not None:
        details.append(f"écart {fmt.signed_percent(shown['ecart'])}")
    if details:
        parts.append((f" ({', '.join(details)})", False))
    projection = shown.get("projection")
    if projection is not None and s.get("objectif") is not None:
        parts.append((f" ; au rythme actuel, l'année se terminerait à {fmt.integer(projection)}"
                      f"{status.projection_clause}", False))
    parts.append((".", False))
    return parts


def late_networks_note(s: dict, names: Sequence[tuple[str, str | None]], short: bool = False) -> str | None:
    """The one « chiffres provisoires » warning: which networks have not sent the latest bilan,
    since when, and how the figures count them. ``names``: (network name, its last bilan)."""
    phase = s.get("phase")
    if phase not in (position.PROVISIONAL, position.CLOSED_INCOMPLETE) or not names:
        return None
    expected = fmt.date_long(s.get("periode_attendue"))
    if s.get("niveau") == "reseau" and len(names) == 1:
        last = names[0][1]
        since = f"ses chiffres s'arrêtent au {fmt.date_long(last)}, son dernier bilan reçu" if last else \
            "aucun bilan n'a été reçu cette année"
        return (f"Le bilan de la période close le {expected} n'a pas encore été reçu pour ce réseau : {since}. "
                "Son niveau attendu et sa projection sont calculés à cette date.")
    listed = _grouped_by_date(names)
    one = len(names) == 1
    subject_text = "1 réseau n'a" if one else f"{len(names)} réseaux n'ont"
    if phase == position.CLOSED_INCOMPLETE:
        return (f"Année close, bilans incomplets : {subject_text} pas transmis le bilan de la période close le "
                f"{expected} ({listed}). Les chiffres les comptent jusqu'à leur dernier bilan reçu.")
    text = (f"Chiffres provisoires : {subject_text} pas encore transmis le bilan de la période close le {expected} "
            f"({listed}).")
    if short:
        return text
    return text + (" Chaque réseau est compté et attendu à la date de son dernier bilan : le statut n'en est pas "
                   "faussé, les totaux progresseront à réception.")


def _grouped_by_date(names: Sequence[tuple[str, str | None]], limit: int = 6) -> str:
    """« Angoulême et Royan : dernier bilan au 28 février 2017 ; Cognac : aucun bilan »."""
    groups: dict[str | None, list[str]] = {}
    for name, last in names:
        groups.setdefault(last, []).append(name)
    parts = []
    for last, members in sorted(groups.items(), key=lambda item: item[0] or ""):
        shown = members[:limit]
        listed = ", ".join(shown[:-1]) + " et " + shown[-1] if len(shown) > 1 else shown[0]
        if len(members) > limit:
            listed = ", ".join(shown) + f" et {len(members) - limit} autres"
        when = "aucun bilan cette année" if last is None else f"dernier bilan au {fmt.date_long(last)}"
        parts.append(f"{listed} : {when}")
    return " ; ".join(parts)


TYPE_PHRASES = {"COLLEGE": "les collèges", "LGT": "les lycées généraux et technologiques",
                "LP": "les lycées professionnels", "LPO": "les lycées polyvalents", "EREA": "les EREA",
                "AUTRE": "les autres établissements"}


def absence_sentence(yearly, references: dict, previous: str, reference_annee: str | None) -> str | None:
    """The one most notable change of absenteeism by school type (``queries.absenteisme.overview``)."""
    rows = [r for r in yearly.iter_rows(named=True) if r["groupe"] in TYPE_PHRASES
            and r["evolution"] is not None and r["taux"] is not None and r["taux_precedent"] is not None]
    if not rows:
        return None
    row = max(rows, key=lambda r: abs(r["evolution"]))
    phrase = TYPE_PHRASES[row["groupe"]]
    if round(row["evolution"], 3) == 0:
        text = f"Absentéisme stable dans chaque type d'établissement par rapport à {previous}"
    else:
        verb = "la plus forte hausse" if row["evolution"] > 0 else "la plus forte baisse"
        text = (f"{capitalised(phrase)} connaissent {verb} : {fmt.percent(row['taux'])} contre "
                f"{fmt.percent(row['taux_precedent'])} en {previous} sur les mêmes mois "
                f"({fmt.signed_points(row['evolution'])})")
    reference = references.get(row["groupe"]) if references else None
    if reference is not None and round(row["evolution"], 3) != 0:
        estimated = " estimée" if reference.get("statut") not in (None, "publié") else ""
        text += f" ; référence nationale{estimated} {fmt.percent(reference['taux'])} ({reference_annee})"
    return text + "."


def freshness_sentence(fresh, s: dict) -> str:
    """Data freshness in one line (``queries.donnees.bilan_freshness`` and the situation)."""
    if s.get("periode_fin") is None:
        return "Aucun bilan de raccrochage reçu pour cette année scolaire."
    if fresh.is_empty():
        return f"Bilans reçus jusqu'au {fmt.date_long(s['periode_fin'])}."
    late = fresh.filter(fresh["bilan_manquant"]).height
    total = fresh.height
    expected = fresh["periode_attendue"].drop_nulls()
    date = fmt.date_long(expected[0]) if len(expected) else fmt.date_long(s["periode_fin"])
    if not late:
        return f"Données à jour : les {total} réseaux ont transmis le bilan de la période close le {date}."
    return (f"Données : {total - late} réseaux sur {total} ont transmis le bilan de la période close le {date} "
            "(détail plus bas).")
