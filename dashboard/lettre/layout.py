"""The letter's sections, in reading order, as plain blocks that every renderer draws the same way
(HTML file and e-mail, plain text, PDF): one place decides what the letter says and in which order.

A section is ``{"cle", "titre", "blocs": [block…]}``; a block is one of::

    {"type": "paragraphes", "textes": [str…]}
    {"type": "tuiles", "items": [{"libelle", "texte"}…], "colonnes": int}
    {"type": "image", "cle", "alt", "legende"}                 (a chart of ``charts``)
    {"type": "tableau", "legende", "entetes": [str…], "lignes": [{"libelle", "cellules": [str…], "groupe": bool}…]}
    {"type": "encadre", "titre", "sous_titre", "textes": [str…]}    (a practice to share)
    {"type": "liste", "items": [{"tete", "texte", "detail"}…]}
    {"type": "notes", "textes": [str…]}
"""

from __future__ import annotations

from dashboard import fmt
from dashboard.lettre import charts as letter_charts
from dashboard.lettre.content import MLDS_KEYS

ACADEMIE_SLIDES = ("chiffres", "trajectoire", "entonnoir", "solutions")
TERRITORY_SLIDES = ("chiffres", "trajectoire", "territoires", "entonnoir", "solutions", "absenteisme", "prevention")
VARIANT_NOTES = {
    "academie": "Cette version de la lettre présente toute l'académie, avec chaque département et chaque réseau.",
    "academie_agregats": "Cette version de la lettre présente les chiffres de l'ensemble de l'académie.",
}


def paragraphs(text: str) -> list[str]:
    """A text written in the app, split into paragraphs on blank lines."""
    return [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]


def _sentences(part: dict, slides: tuple[str, ...]) -> list[str]:
    return [s for key in slides for s in part["phrases"].get(key, [])]


def _tiles(figures: list[dict], columns: int = 3) -> dict:
    return {"type": "tuiles", "items": [{"libelle": f["libelle"], "texte": f["texte"]} for f in figures],
            "colonnes": columns}


def _text(items: list[str]) -> dict:
    return {"type": "paragraphes", "textes": list(items)}


def _rows(part: dict, keys) -> list[dict]:
    return [{"libelle": row["libelle"],
             "cellules": [(row["cellules"].get(k) or {}).get("texte", fmt.MISSING) for k in keys],
             "groupe": row["niveau"] == "departement"} for row in part]


def badges(view: dict) -> list[str]:
    out = []
    if view.get("provisoire"):
        out.append("Chiffres provisoires")
    elif view.get("close"):
        out.append(view.get("phase_libelle") or "Année close")
    if view.get("demo"):
        out.append("Données de démonstration")
    return out


def sections(view: dict, charts: list[letter_charts.Chart]) -> list[dict]:
    academie, territory = view["academie"], view.get("territoire")
    out: list[dict] = []

    def add(key: str, title: str, *blocks: dict) -> None:
        kept = [b for b in blocks if b and (b.get("textes") or b.get("items") or b.get("lignes")
                                           or b["type"] in ("image", "encadre"))]
        if kept:
            out.append({"cle": key, "titre": title, "blocs": kept})

    if view.get("editorial"):
        add("editorial", view["editorial"]["titre"], _text(paragraphs(view["editorial"]["texte"])))
    add("essentiel", f"L'essentiel — {academie['libelle']}", _tiles(academie["chiffres"]),
        _text(_sentences(academie, ACADEMIE_SLIDES)))
    add("changements", "Depuis la dernière lettre", _text(view.get("changements") or []))
    add("graphiques", "En images", *[{"type": "image", "cle": c.key, "alt": c.alt, "legende": c.title}
                                     for c in charts])
    if academie["tableau"]:
        caption = (f"Progression au dernier bilan reçu de chaque territoire ({academie['phase_libelle'].lower()}) : "
                   "chaque département, puis ses réseaux FOQUALE.")
        add("territoires", "Les départements et les réseaux FOQUALE", _text(_sentences(academie, ("territoires",))),
            {"type": "tableau", "legende": caption, "entetes": ["Territoire", *academie["colonnes"]],
             "lignes": _rows(academie["tableau"], academie["cles_tableau"])})
    if territory:
        blocks = [_tiles(territory["chiffres"]), _text(_sentences(territory, TERRITORY_SLIDES))]
        if territory["tableau"]:
            blocks.append({"type": "tableau", "legende": f"Les réseaux FOQUALE — {territory['libelle']}",
                           "entetes": ["Réseau", *territory["colonnes"]],
                           "lignes": _rows(territory["tableau"], territory["cles_tableau"])})
        if territory["mlds"] and territory["mlds"][0]["valeur"]:
            blocks.append(_text(["MLDS : " + " ; ".join(f"{f['libelle']} : {f['texte']}"
                                                         for f in territory["mlds"]) + "."]))
        add("territoire", f"Votre territoire : {territory['libelle']}", *blocks)
    add("absenteisme", f"Absentéisme et prévention — {academie['libelle']}",
        _text(_sentences(academie, ("absenteisme", "prevention"))))
    if academie["mlds"]:
        labels = {f["cle"]: f["libelle"] for f in academie["mlds"]}
        table = None
        if academie["mlds_tableau"]:
            table = {"type": "tableau", "legende": "Sites de la MLDS par département",
                     "entetes": ["Département", *[labels.get(k, k) for k in MLDS_KEYS]],
                     "lignes": [{**r, "groupe": False} for r in _rows(academie["mlds_tableau"], MLDS_KEYS)]}
        add("mlds", "Les sites de la MLDS", _tiles(academie["mlds"], 4), table)
    add("pratiques", "Pratiques à partager", *[
        {"type": "encadre", "titre": p["titre"] or "Pratique",
         "sous_titre": " · ".join(x for x in (p.get("reseau"), f"contact : {p['contact']}" if p.get("contact")
                                              else None) if x),
         "textes": paragraphs(p["texte"])} for p in view.get("pratiques") or []])
    add("agenda", "Agenda", {"type": "liste", "items": [
        {"tete": a["date_texte"] or "Date à préciser", "texte": a["titre"] + (f" ({a['lieu']})" if a.get("lieu")
                                                                              else ""),
         "detail": a.get("texte") or ""} for a in view.get("agenda") or []]})
    add("sources", "Sources et secret statistique", {"type": "notes", "textes": footer(view)})
    return out


def footer(view: dict) -> list[str]:
    lines = [f"Source : {s}" for s in view["sources"]]
    lines.append(view["secret"])
    note = VARIANT_NOTES.get(view.get("variante"))
    if view.get("territoire"):
        note = (f"Cette version de la lettre présente les chiffres de l'ensemble de l'académie et ceux de votre "
                f"territoire : {view['territoire']['libelle']}.")
    if note:
        lines.append(note)
    if view.get("avertissement_demo"):
        lines.append(view["avertissement_demo"])
    lines.append(f"Lettre générée le {fmt.date_long(view['genere_le'])} par le tableau de bord de pilotage de la "
                 "lutte contre le décrochage scolaire.")
    return lines


def heading(view: dict) -> dict:
    """The letter's heading: publisher line, title, subtitle, badges."""
    return {"editeur": f"{view['academie_nom']} — Mission de lutte contre le décrochage scolaire",
            "titre": view["titre"], "sous_titre": f"Année scolaire {view['annee']} · {view['date_donnees']}",
            "badges": badges(view)}
