"""« Points saillants »: 3 to 6 French sentences generated from the deck's own figures.

Every number a sentence quotes is a figure shown elsewhere in the deck (key figures, the
trajectory panel, the solution and absenteeism charts, the territory tables), formatted the same
way, so a reader can trace it. Masked figures are never quoted.
"""

from __future__ import annotations

import polars as pl

from dashboard import fmt
from dashboard.publish import narrative
from dashboard.slides.model import DeckContent, Highlight
from queries import raccrochage_position as position
from queries import raccrochage_rules
from queries.raccrochage_rules import SOLUTION_LABELS
from queries.statuses import Status

MAX_SENTENCES = 6
TYPE_PHRASES = {"COLLEGE": "les collèges", "LGT": "les lycées généraux et technologiques (LGT)",
                "LP": "les lycées professionnels (LP)", "LPO": "les lycées polyvalents (LPO)", "EREA": "les EREA",
                "AUTRE": "les autres établissements"}
LEVEL_PHRASES = {"departement": "Parmi les départements", "psad": "Parmi les PSAD",
                 "reseau": "Parmi les réseaux FOQUALE"}


def _plural(count: int, one: str, many: str) -> str:
    return one if abs(count) == 1 else many


def provisional(content: DeckContent) -> Highlight | None:
    """The « chiffres provisoires » / « bilans incomplets » warning, first when it applies."""
    text = narrative.late_networks_note(content.situation, list(content.late))
    return Highlight(text, "chiffres") if text else None


def achievement(content: DeckContent) -> Highlight | None:
    s, shown = content.situation, content.shown
    if not content.has_bilans:
        return Highlight(f"Aucun bilan de raccrochage n'a été reçu pour {content.territory.label} en "
                         f"{content.annee}.", "chiffres")
    closed = position.is_closed(s.get("phase"))
    date = fmt.date_long(s["periode_fin"])
    start = f"L'année {content.annee} est close : " if closed else f"Au {date}, "
    if shown["raccroches"] is None:
        return Highlight(f"{start}le nombre de jeunes raccrochés depuis la rentrée est inférieur au seuil de "
                         "diffusion et n'est pas publié.", "chiffres")
    count = shown["raccroches"]
    text = (f"{start}{fmt.integer(count)} {_plural(count, 'jeune a été raccroché', 'jeunes ont été raccrochés')} "
            + ("sur l'année" if closed else "depuis la rentrée"))
    if s["objectif"] is None:
        text += " ; aucun objectif n'est fixé pour ce territoire"
    elif shown["taux_atteinte"] is not None:
        text += f", soit {fmt.percent(shown['taux_atteinte'])} de l'objectif annuel ({fmt.integer(s['objectif'])})"
        if closed and s["statut"] in (position.REACHED, position.NOT_REACHED):
            verdict = "objectif atteint" if s["statut"] == position.REACHED else "objectif non atteint"
            gap = shown.get("ecart_objectif")
            text += f" : {verdict}" + (f" ({fmt.signed_number(gap)})" if gap is not None else "")
    previous = shown.get("raccroches_n1")
    if previous is not None:
        diff = count - previous
        if diff == 0:
            text += f", autant qu'à la même date en {content.annee_n1}"
        else:
            more = "de plus" if diff > 0 else "de moins"
            text += f", {fmt.integer(abs(diff))} {more} qu'à la même date en {content.annee_n1}"
    target, before = s.get("objectif"), s.get("objectif_n1")
    if target is not None and before is not None and target != before:
        text += (f" ; l'objectif a changé : {fmt.integer(target)} cette année contre {fmt.integer(before)} en "
                 f"{content.annee_n1}")
    return Highlight(text + ".", "chiffres")


def trajectory(content: DeckContent) -> Highlight | None:
    """The trajectory sentence of the Accueil headline (``narrative``); none once the year is closed."""
    s, shown = content.situation, content.shown
    if position.is_closed(s.get("phase")) or shown["raccroches"] is None:
        return None
    t = content.territory
    who, plural = narrative.subject(t.niveau, t.code, t.nom)
    parts = narrative.trajectory_sentence(s, shown, content.marks, who, plural)
    return Highlight(narrative.plain(parts), "trajectoire") if parts else None


def _name(row: dict) -> tuple[str, bool]:
    """The subject of a sub-territory in a sentence: « la Charente », « les Deux-Sèvres »,
    « Niort » (a PSAD or network by its name, not « Réseau Niort »)."""
    if row["niveau"] == "departement":
        return narrative.subject(row["niveau"], row["code"], row["nom"])
    return row["nom"], False


def sub_territories(content: DeckContent) -> Highlight | None:
    frame = content.sous_territoires
    if frame.is_empty():
        return None
    level = frame["niveau"][0]
    closed = position.is_closed(content.situation.get("phase"))
    text = ""
    rated = frame.filter(pl.col("taux_atteinte").is_not_null() & (pl.col("ecart").is_not_null() | pl.lit(closed)))
    if rated.height >= 2:
        key = "taux_atteinte" if closed else "ecart"
        best = rated.sort(key, descending=True).row(0, named=True)
        worst = rated.sort(key).row(0, named=True)
        (best_name, best_plural), (worst_name, _) = _name(best), _name(worst)
        lead = LEVEL_PHRASES.get(level, "Parmi les territoires")
        presents = narrative.verb(best_plural, "présente", "présentent")
        if closed:
            text = (f"{lead}, {best_name} {presents} le meilleur taux d'atteinte de {_own(best_plural)} objectif "
                    f"({fmt.percent(best['taux_atteinte'])}) et {worst_name} le plus faible "
                    f"({fmt.percent(worst['taux_atteinte'])})")
        else:
            text = (f"{lead}, {best_name} {presents} le meilleur écart à {'leur' if best_plural else 'sa'} trajectoire "
                    f"({fmt.signed_percent(best['ecart'])} ; {fmt.percent(best['taux_atteinte'])} de l'objectif) et "
                    f"{worst_name} le plus défavorable ({fmt.signed_percent(worst['ecart'])} ; "
                    f"{fmt.percent(worst['taux_atteinte'])})")
    networks = content.reseaux if not content.reseaux.is_empty() else (frame if level == "reseau" else None)
    if networks is not None and networks.height:
        if closed:
            missed = networks.filter(pl.col("statut") == position.NOT_REACHED).height
            verb_text = _plural(missed, "n'a pas atteint son objectif", "n'ont pas atteint leur objectif")
            part = (f"{missed} {_plural(missed, 'réseau FOQUALE', 'réseaux FOQUALE')} sur {networks.height} "
                    f"{verb_text}")
            if missed == 0:
                part = (f"les {networks.height} réseaux FOQUALE ont atteint leur objectif" if networks.height > 1
                        else "le réseau FOQUALE a atteint son objectif")
        else:
            late = networks.filter(pl.col("statut") == Status.EN_RETARD).height
            part = (f"{late} {_plural(late, 'réseau FOQUALE', 'réseaux FOQUALE')} sur {networks.height} "
                    f"{_plural(late, 'est en retard sur sa trajectoire', 'sont en retard sur leur trajectoire')}")
            if late == 0:
                part = (f"aucun des {networks.height} réseaux FOQUALE n'est en retard sur sa trajectoire"
                        if networks.height > 1 else "le réseau FOQUALE n'est pas en retard sur sa trajectoire")
        text = f"{text} ; {part}" if text else part[0].upper() + part[1:]
    if not text:
        return None
    return Highlight(text[0].upper() + text[1:] + ".", "territoires")


def _own(plural: bool) -> str:
    return "leur" if plural else "son"


def solutions(content: DeckContent) -> Highlight | None:
    """The type of solution that rose the most and the one that fell the most, against the same date
    last year."""
    if not content.solutions_n1 or not content.has_bilans:
        return None
    pairs = [(c, content.shown[c], content.solutions_n1.get(c)) for c in raccrochage_rules.SOLUTION_COLUMNS]
    pairs = [(c, cur, prev) for c, cur, prev in pairs if cur is not None and prev is not None]
    if not pairs:
        return None
    rise = max(pairs, key=lambda p: (p[1] - p[2], p[1]))
    fall = min(pairs, key=lambda p: (p[1] - p[2], -p[1]))
    same = f"à la même date en {content.annee_n1}"
    parts = []
    if rise[1] - rise[2] > 0:
        parts.append(f"le type de solution qui progresse le plus est « {SOLUTION_LABELS[rise[0]]} » : "
                     f"{fmt.integer(rise[1])} raccrochés contre {fmt.integer(rise[2])} {same} "
                     f"({fmt.signed_number(rise[1] - rise[2])})")
    if fall[1] - fall[2] < 0:
        parts.append(f"le recul le plus marqué concerne « {SOLUTION_LABELS[fall[0]]} » ({fmt.integer(fall[1])} "
                     f"contre {fmt.integer(fall[2])}, {fmt.signed_number(fall[1] - fall[2])})")
    if not parts:
        return Highlight(f"Chaque type de solution compte autant de raccrochés qu'{same}.", "solutions")
    if len(parts) == 1 and rise[1] - rise[2] <= 0:
        parts[0] = f"aucun type de solution ne progresse {same} ; " + parts[0]
    text = " ; ".join(parts)
    return Highlight(text[0].upper() + text[1:] + ".", "solutions")


def absenteeism(content: DeckContent) -> Highlight | None:
    a = content.absence
    if a is None:
        return None
    rows = [r for r in a.par_type.iter_rows(named=True)
            if r["evolution"] is not None and r["taux"] is not None and r["taux_precedent"] is not None]
    if not rows:
        return None
    row = max(rows, key=lambda r: abs(r["evolution"]))
    phrase = TYPE_PHRASES.get(row["groupe"], row["groupe"])
    verb = "augmenté" if row["evolution"] > 0 else "baissé"
    if round(row["evolution"], 3) == 0:
        text = f"L'absentéisme est stable dans tous les types d'établissement ; dans {phrase}, il est de " \
               f"{fmt.percent(row['taux'])}"
    else:
        text = (f"C'est dans {phrase} que l'absentéisme a le plus {verb} : {fmt.percent(row['taux'])} des élèves "
                f"contre {fmt.percent(row['taux_precedent'])} en {content.annee_n1} sur les mêmes mois "
                f"({fmt.signed_points(row['evolution'])})")
    reference = a.references.get(row["groupe"])
    if reference is not None:
        estimated = " estimée" if row["groupe"] in a.references_estimees else ""
        text += f", pour une référence nationale{estimated} de {fmt.percent(reference)} ({a.reference_annee})"
    return Highlight(text + ".", "absenteisme")


def funnel(content: DeckContent) -> Highlight | None:
    shown = content.shown
    if not content.has_bilans or shown["jeunes_signales"] is None:
        return None
    count = shown["jeunes_signales"]
    text = f"{fmt.integer(count)} {_plural(count, 'jeune a été signalé', 'jeunes ont été signalés')} depuis la rentrée"
    parts = []
    if shown["taux_contact"] is not None:
        parts.append(f"{fmt.percent(shown['taux_contact'])} ont été contactés")
    if shown["part_solution"] is not None:
        parts.append(f"{fmt.percent(shown['part_solution'])} se sont vu proposer une solution")
    if parts:
        text += " ; " + " et ".join(parts)
    return Highlight(text + ".", "entonnoir")


GENERATORS = (provisional, achievement, trajectory, sub_territories, solutions, absenteeism, funnel)


def highlights(content: DeckContent) -> list[Highlight]:
    """The deck's « Points saillants » (at most ``MAX_SENTENCES``), in a fixed order."""
    out = []
    for generator in GENERATORS:
        sentence = generator(content)
        if sentence is not None:
            out.append(sentence)
    return out[:MAX_SENTENCES]
