"""« Points saillants »: 3 to 6 French sentences generated from the deck's own figures.

Every number a sentence quotes is a figure shown elsewhere in the deck (key figures, the
trajectory panel, the solution and absenteeism charts, the territory tables), formatted the same
way, so a reader can trace it. Masked figures are never quoted.
"""

from __future__ import annotations

import polars as pl

from dashboard import fmt
from dashboard.charts.common import SOLUTION_LABELS
from dashboard.slides.content import DeckContent, Highlight
from queries import raccrochage as rq

MAX_SENTENCES = 6
STATUS_PHRASES = {"en_retard": "en retard sur", "sur_trajectoire": "sur", "en_avance": "en avance sur"}
TYPE_PHRASES = {"COLLEGE": "les collèges", "LGT": "les lycées généraux et technologiques (LGT)",
                "LP": "les lycées professionnels (LP)", "LPO": "les lycées polyvalents (LPO)", "EREA": "les EREA",
                "AUTRE": "les autres établissements"}
SUBJECTS = {"academie": "L'académie", "departement": "Le département", "psad": "La PSAD", "reseau": "Le réseau"}
LEVEL_PHRASES = {"departement": "Parmi les départements", "psad": "Parmi les PSAD",
                 "reseau": "Parmi les réseaux FOQUALE"}


def _plural(count: int, one: str, many: str) -> str:
    return one if abs(count) == 1 else many


def achievement(content: DeckContent) -> Highlight | None:
    s, shown = content.situation, content.shown
    if not content.has_bilans:
        return Highlight(f"Aucun bilan de raccrochage n'a été reçu pour {content.territory.label} en "
                         f"{content.annee}.", "chiffres")
    date = fmt.date_long(s["periode_fin"])
    if shown["raccroches"] is None:
        return Highlight(f"Au {date}, le nombre de jeunes raccrochés depuis la rentrée est inférieur au seuil de "
                         "diffusion et n'est pas publié.", "chiffres")
    count = shown["raccroches"]
    text = (f"Au {date}, {fmt.integer(count)} {_plural(count, 'jeune a été raccroché', 'jeunes ont été raccrochés')} "
            "depuis la rentrée")
    if s["objectif"] is None:
        text += " ; aucun objectif n'est fixé pour ce territoire"
    elif shown["taux_atteinte"] is not None:
        text += f", soit {fmt.percent(shown['taux_atteinte'])} de l'objectif annuel ({fmt.integer(s['objectif'])})"
    previous = shown.get("raccroches_n1")
    if previous is not None:
        diff = count - previous
        if diff == 0:
            text += f", autant qu'à la même date en {content.annee_n1}"
        else:
            more = "de plus" if diff > 0 else "de moins"
            text += f", {fmt.integer(abs(diff))} {more} qu'à la même date en {content.annee_n1}"
    return Highlight(text + ".", "chiffres")


def trajectory(content: DeckContent) -> Highlight | None:
    s, shown = content.situation, content.shown
    if s["statut"] not in STATUS_PHRASES or shown["raccroches"] is None:
        return None
    text = (f"{SUBJECTS[content.territory.niveau]} est {STATUS_PHRASES[s['statut']]} sa trajectoire : {fmt.integer(shown['raccroches'])} "
            f"raccrochés pour {fmt.integer(s['attendu'])} attendus à cette date")
    if shown["ecart"] is not None:
        text += f" (écart {fmt.signed_percent(shown['ecart'])})"
    if shown["projection"] is not None and s["objectif"] is not None:
        reach = "l'objectif serait atteint" if s["projection_atteint"] else "l'objectif ne serait pas atteint"
        text += (f" ; au rythme actuel, l'année se terminerait à {fmt.integer(shown['projection'])} raccrochés "
                 f"et {reach}")
    return Highlight(text + ".", "trajectoire")


def sub_territories(content: DeckContent) -> Highlight | None:
    frame = content.sous_territoires
    if frame.is_empty():
        return None
    rated = frame.filter(pl.col("ecart").is_not_null() & pl.col("taux_atteinte").is_not_null())
    level = frame["niveau"][0]
    text = ""
    if rated.height >= 2:
        best = rated.sort("ecart", descending=True).row(0, named=True)
        worst = rated.sort("ecart").row(0, named=True)
        name = "libelle" if level == "departement" else "nom"  # "Charente (16)", but "Niort", not "Réseau Niort"
        text = (f"{LEVEL_PHRASES.get(level, 'Parmi les territoires')}, {best[name]} présente le meilleur écart "
                f"à sa trajectoire ({fmt.signed_percent(best['ecart'])} ; {fmt.percent(best['taux_atteinte'])} de "
                f"l'objectif) et {worst[name]} le plus défavorable ({fmt.signed_percent(worst['ecart'])} ; "
                f"{fmt.percent(worst['taux_atteinte'])})")
    networks = content.reseaux if not content.reseaux.is_empty() else (frame if level == "reseau" else None)
    if networks is not None and networks.height:
        late = networks.filter(pl.col("statut") == "en_retard").height
        part = (f"{late} {_plural(late, 'réseau FOQUALE', 'réseaux FOQUALE')} sur {networks.height} "
                f"{_plural(late, 'est en retard sur sa trajectoire', 'sont en retard sur leur trajectoire')}")
        if late == 0:
            part = f"aucun des {networks.height} réseaux FOQUALE n'est en retard sur sa trajectoire"
        text = f"{text} ; {part}" if text else part[0].upper() + part[1:]
    if not text:
        return None
    return Highlight(text + ".", "territoires")


def solutions(content: DeckContent) -> Highlight | None:
    if not content.solutions_n1 or not content.has_bilans:
        return None
    pairs = [(c, content.shown[c], content.solutions_n1.get(c)) for c in rq.SOLUTION_COLUMNS]
    pairs = [(c, cur, prev) for c, cur, prev in pairs if cur is not None and prev is not None]
    if not pairs:
        return None
    column, cur, prev = max(pairs, key=lambda p: (p[1] - p[2], p[1]))
    label = SOLUTION_LABELS[column]
    if cur - prev > 0:
        text = (f"Le type de solution qui progresse le plus est « {label} » : {fmt.integer(cur)} raccrochés contre "
                f"{fmt.integer(prev)} à la même date en {content.annee_n1} ({fmt.signed_number(cur - prev)})")
    else:
        column, cur, prev = min(pairs, key=lambda p: (p[1] - p[2], -p[1]))
        label = SOLUTION_LABELS[column]
        text = (f"Aucun type de solution ne progresse par rapport à la même date en {content.annee_n1} ; "
                f"le recul le plus marqué concerne « {label} » ({fmt.integer(cur)} raccrochés contre "
                f"{fmt.integer(prev)}, {fmt.signed_number(cur - prev)})")
    return Highlight(text + ".", "solutions")


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
        text += f", pour une référence nationale de {fmt.percent(reference)} ({a.reference_annee})"
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


GENERATORS = (achievement, trajectory, sub_territories, solutions, absenteeism, funnel)


def highlights(content: DeckContent) -> list[Highlight]:
    """The deck's « Points saillants » (at most ``MAX_SENTENCES``), in a fixed order."""
    out = []
    for generator in GENERATORS:
        sentence = generator(content)
        if sentence is not None:
            out.append(sentence)
    return out[:MAX_SENTENCES]
