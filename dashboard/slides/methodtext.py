"""The French texts of the deck's side panels, notes and « Sources et méthode » slide.

Paragraphs are ``(text, scale, bold, colour)`` tuples for ``layout.Deck.fill``. Every figure
comes from the ``DeckContent`` (already disclosed) and is formatted by ``dashboard.fmt``.
"""

from __future__ import annotations

from dashboard import fmt
from dashboard.charts import raccrochage as rc
from dashboard.charts.common import BLUE_FRANCE
from dashboard.disclosure import marks, rule
from dashboard.publish import catalog, narrative
from dashboard.publish import text as publish_text
from dashboard.slides import series, style
from dashboard.slides.model import DeckContent
from queries import absenteisme as aq
from queries import raccrochage_position as position
from queries import raccrochage_rules
from queries.raccrochage_rules import rate_name
from queries.statuses import Status

LABEL = (0.8, False, style.MUTED)
#: Scale of a panel's notes: 10 pt and more at the panel's smallest base size (style.MIN_PT / NOTE)
NOTE = 0.75


def _pair(label: str, value: str, color: str = BLUE_FRANCE, detail: str | None = None) -> list[tuple]:
    out = [(label, *LABEL), (value, 1.15, True, color)]
    return out + [(detail, 0.75, False, style.MUTED)] if detail else out


def _text(content: DeckContent, key: str) -> str:
    """The French text of a figure of the situation, or its secrecy mark (« < 5 », « s »)."""
    return publish_text.cell_text(catalog.RACCROCHAGE[key], content.shown[key], content.marks.get(key))


_count = _rate = _text


def trajectory_panel(content: DeckContent) -> list[tuple]:
    s, shown = content.situation, content.shown
    before = s.get("objectif_n1")
    changed = before is not None and s["objectif"] is not None and before != s["objectif"]
    out = _pair(f"Objectif {content.annee}", fmt.integer(s["objectif"]) if s["objectif"] is not None else "aucun",
                detail=f"{content.annee_n1} : {fmt.integer(before)}" if changed else None)
    rate = shown["taux_atteinte"]
    out += _pair(f"Raccrochés au {fmt.date_long(s['periode_fin'])}", _count(content, "raccroches"),
                 detail=f"soit {fmt.percent(rate)} de l'objectif" if rate is not None else None)
    if s["attendu"] is not None:
        label = series.OWN_DATE_TARGET_NAME if series.own_dates(content) else "Attendu à cette date"
        out += _pair(label, fmt.integer(s["attendu"]))
        status = Status.of(s["statut"])
        gap = fmt.signed_percent(shown["ecart"]) if shown["ecart"] is not None else rc.MASKED_TEXT
        out += _pair("Écart à la trajectoire", gap, status.color, detail=status.label)
    if shown["projection"] is not None:
        out += _pair("Projection en fin d'année", fmt.integer(shown["projection"]),
                     detail=Status.of(s["statut"]).projection_note if s["objectif"] is not None else None)
    if position.is_closed(s.get("phase")) and s["statut"] in (position.REACHED, position.NOT_REACHED):
        status = Status(s["statut"])
        out += _pair("Année close", status.label, status.color,
                     detail=f"écart à l'objectif : {_text(content, 'ecart_objectif')}")
    if s["periode_fin_n1"]:
        own = series.own_dates(content)
        label = own.previous_name if own else f"Même date en {content.annee_n1}"
        out += _pair(label, _count(content, "raccroches_n1"), style.MUTED)
    return out  # how the trajectory is drawn: « Sources et méthode »


def funnel_panel(content: DeckContent) -> list[tuple]:
    s, shown = content.situation, content.shown
    out = []
    same = f"{content.annee_n1}, même date"
    for label, key, key_n1 in (("Taux de contact", "taux_contact", "taux_contact_n1"),
                               (rate_name("part_solution"), "part_solution", "part_solution_n1")):
        detail = f"{same} : {fmt.percent(shown[key_n1])}" if shown.get(key_n1) is not None else None
        out += _pair(label, _rate(content, key), detail=detail)
    n1 = shown.get("contrats_foquale_n1")
    out += _pair("Contrats FOQUALE signés", _count(content, "contrats_foquale"),
                 detail=f"{same} : {fmt.integer(n1)}" if n1 is not None else None)
    overflow = rc.funnel_overflow_note(content.shown)
    if overflow:
        out.append((overflow, NOTE, True, style.TEXT))
    out.append(("Cumuls depuis la rentrée ; entre parenthèses après le nom de chaque étape, la part des jeunes de "
                f"l'étape précédente. Comparaisons : même date en {content.annee_n1}"
                + (f" ({fmt.date_long(s['periode_fin_n1'])})." if s["periode_fin_n1"] else "."), NOTE, False,
                style.MUTED))
    return out


def absence_panel(content: DeckContent) -> list[tuple]:
    a = content.absence
    out = [(f"Évolution sur un an (mêmes mois que {content.annee_n1})", 0.85, True, style.TEXT)]
    for row in a.par_type.iter_rows(named=True):
        label = aq.TYPE_LABELS.get(row["groupe"], row["groupe"])
        if row["taux"] is None:
            out.append((f"{label} : {rc.MASKED_TEXT}", 0.85, False, style.MUTED))
            continue
        change = f" ({fmt.signed_points(row['evolution'])})" if row["evolution"] is not None else ""
        out.append((f"{label} : {fmt.percent(row['taux'])}{change}", 0.85, False, style.TEXT))
    if a.ensemble and a.ensemble.get("taux") is not None:
        change = f" ({fmt.signed_points(a.ensemble['evolution'])})" if a.ensemble.get("evolution") is not None else ""
        out.append((f"Tous établissements : {fmt.percent(a.ensemble['taux'])}{change}", 0.85, True, BLUE_FRANCE))
    if a.mois:
        out.append((f"Mois couverts : {fmt.month_label(a.mois[0])} à {fmt.month_label(a.mois[1])}.", NOTE, False,
                    style.MUTED))
    out.append(("Part des élèves ayant au moins 4 demi-journées d'absence non justifiée dans le mois "
                "(moyenne sur l'année, rapport des sommes).", NOTE, False, style.MUTED))
    if a.reference_annee:
        kind = " (en partie estimée)" if a.reference_estimee else ""
        out.append((f"Référence nationale{kind} : secteur public, {a.reference_annee}.", NOTE, False, style.MUTED))
    return out


def provisional_note(content: DeckContent) -> str | None:
    """The « chiffres provisoires » / « bilans incomplets » warning of the deck (``narrative``)."""
    return narrative.late_networks_note(content.situation, list(content.late))


def key_figures_note(content: DeckContent) -> str:
    s = content.situation
    parts = []
    if s.get("periode_fin_n1"):
        parts.append(f"Évolutions : même date de l'année {content.annee_n1} (bilans jusqu'au "
                     f"{fmt.date_long(s['periode_fin_n1'])}) ; absentéisme : mêmes mois de l'année précédente")
    if content.masked:
        parts.append(f"« {rule.masked_label()} » et « {rc.MASKED_TEXT} » : secret statistique")
    return (". ".join(parts) + ".") if parts else ""


def map_note(content: DeckContent) -> str:
    date = f"bilans jusqu'au {fmt.date_long(content.periode_fin)}" if content.periode_fin else content.annee
    if position.is_closed(content.situation.get("phase")):
        text = f"Objectif de l'année atteint ou non par chaque réseau FOQUALE, {date}"
    else:
        text = (f"Statut de chaque réseau FOQUALE par rapport à la trajectoire de son objectif, à la date de son "
                f"dernier bilan ({date})")
    if content.territory.code != "ACAD":
        text += f" ; {content.territory.label} entouré en noir"
    return text + "."


def map_legend_text(content: DeckContent) -> str:
    """The map's legend in one line (the page's preview of the map slide)."""
    key = content.map_key
    if key is None:
        return ""
    entries = [label for kind, _, label in key.legend if kind != "outline"]
    text = f"{key.title} : {', '.join(entries)}."
    outlined = [label for kind, _, label in key.legend if kind == "outline"]
    return text + (f" {outlined[0]} entouré en noir." if outlined else "")


def map_source() -> str:
    import geodata  # heavy (geopandas): only for the map slide's data credit

    return f"{geodata.SOURCE_CREDIT} Découpage en réseaux et PSAD indicatif."


def table_note(content: DeckContent, omitted_networks: int = 0) -> str:
    ahead = fmt.signed_percent(raccrochage_rules.STATUS_THRESHOLDS[Status.EN_AVANCE], 0)
    late = fmt.signed_percent(raccrochage_rules.STATUS_THRESHOLDS[Status.EN_RETARD], 0)
    if position.is_closed(content.situation.get("phase")):
        text = "Année close : objectif atteint ou non (raccrochés de l'année rapportés à l'objectif)."
    else:
        text = (f"Statut : écart au niveau attendu, chaque réseau à la date de son dernier bilan ; en avance dès {ahead} "
                f"si la projection atteint l'objectif, en retard sous {late} si elle ne l'atteint pas. En retard "
                "d'abord.")
    text += " " + marks.short_legend()
    if omitted_networks:
        text += f" Les {fmt.integer(omitted_networks)} réseaux FOQUALE du territoire figurent dans le classeur des chiffres."
    return text


def sources_and_method(content: DeckContent) -> tuple[list[tuple], list[tuple]]:
    import geodata  # heavy (geopandas): only for the sources slide's data credit

    s = content.situation
    head = (1.2, True, BLUE_FRANCE)
    first = content.periodes["periode_fin"].min() if not content.periodes.is_empty() else None
    sources = [("Sources", *head)]
    if content.periode_fin:
        sources.append(("Bilans bimestriels des réseaux FOQUALE (jeunes signalés, contactés, entretiens, solutions "
                        "proposées, raccrochés par type de solution, contrats FOQUALE) : périodes closes du "
                        f"{fmt.date_long(first)} au {fmt.date_long(content.periode_fin)}.", 1.0, False, style.TEXT))
    else:
        sources.append((f"Aucun bilan de raccrochage reçu pour {content.annee}.", 1.0, False, style.TEXT))
    sources.append((f"Objectifs de raccrochage {content.annee} fixés par l'académie ; un territoire sans objectif "
                    "propre reçoit la somme des objectifs des territoires qui le composent.", 1.0, False, style.TEXT))
    a = content.absence
    if a is not None and a.mois:
        sources.append(("Absentéisme : remontées mensuelles des établissements, de "
                        f"{fmt.month_label(a.mois[0])} à {fmt.month_label(a.mois[1])}.", 1.0, False, style.TEXT))
    if a is not None and a.reference_annee:
        text = (f"Références nationales d'absentéisme ({a.reference_annee}, secteur public) : "
                f"{a.reference_source or 'données nationales'}")
        if a.reference_estimee:
            text += " ; les lycées polyvalents et les EREA, que la DEPP ne publie pas séparément, ont un taux estimé à " \
                    "partir des taux publiés la même année (détail sur la page Méthodologie)"
        sources.append((text + ".", 1.0, False, style.TEXT))
    if content.prevention is not None:
        sources.append(("Prévention : référents décrochage et activité mensuelle des GPDS déclarés par les "
                        "établissements (sans aucun nom) ; sites MLDS.", 1.0, False, style.TEXT))
    sources.append((f"{geodata.SOURCE_CREDIT} Découpage en réseaux et PSAD indicatif.", 1.0, False, style.TEXT))
    if content.demo:
        sources.append(("Données de démonstration : chiffres générés, calibrés sur les ordres de grandeur publiés ; "
                        "établissements fictifs.", 1.0, True, style.DEMO_TEXT))
    method = [
        ("Méthode", *head),
        ("Raccrochés : somme des six types de solution, cumulée depuis la rentrée ; un territoire est la somme de "
         "ses réseaux, chacun à la date de son dernier bilan.", 1.0, False, style.TEXT),
        *_status_method(s),
        ("Absentéisme : rapport des sommes (élèves absentéistes / effectifs), jamais une moyenne de taux.", 1.0,
         False, style.TEXT),
        (marks.legend() + " Tout effectif sous le seuil est masqué, à tous les niveaux ; un audit vérifie "
         "qu'aucun chiffre masqué ne peut être recalculé.", 1.0, False, style.TEXT),
        (f"Document généré le {fmt.date_long(content.generated_on)} par le tableau de bord de pilotage du "
         "décrochage scolaire.", 0.9, False, style.MUTED),
    ]
    return sources, method


def _status_method(s: dict) -> list[tuple]:
    """How the status is decided: an open year against the trajectory, a closed year against the
    target alone (its slides never speak of a trajectory)."""
    if position.is_closed(s.get("phase")):
        return [("Année close : objectif de l'année atteint ou non. Taux d'atteinte : raccrochés de l'année "
                 "rapportés à l'objectif ; écart à l'objectif : raccrochés moins objectif. Évolutions : même date "
                 "de l'année précédente.", 1.0, False, style.TEXT)]
    ahead = fmt.signed_percent(raccrochage_rules.STATUS_THRESHOLDS[Status.EN_AVANCE], 0)
    late = fmt.signed_percent(raccrochage_rules.STATUS_THRESHOLDS[Status.EN_RETARD], 0)
    return [
        ("Trajectoire : objectif × part de l'année habituellement atteinte à chaque période (années complètes "
         f"précédentes ; ici : {raccrochage_rules.PROFILE_SOURCES[s['profil_source']]}). Projection : raccrochés divisés par cette "
         "part (un territoire : somme de celles de ses réseaux).", 1.0, False, style.TEXT),
        (f"Statut : en avance dès {ahead} d'écart à la trajectoire si la projection atteint l'objectif, en retard "
         f"sous {late} si elle ne l'atteint pas, sur la trajectoire sinon. Évolutions : même date de l'année "
         "précédente.", 1.0, False, style.TEXT),
    ]
