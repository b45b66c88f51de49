"""The letter as HTML — the archived file and the e-mail body (inline styles and tables, as mail
clients need) — and the e-mail's plain-text alternative, drawn from ``layout.sections``.

Every text is escaped; figures are the published texts; charts are images with their text
alternative (a data URI in the file, a ``cid:`` reference in the e-mail).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from html import escape

from dashboard.charts.common import BLUE_FRANCE
from dashboard.lettre import charts as letter_charts
from dashboard.lettre import layout

INK, MUTED, LINE, PALE, WARN = "#1e1e1e", "#555555", "#dddddd", "#f3f3fb", "#b34000"
FONT = "font-family: Arial, 'DejaVu Sans', Helvetica, sans-serif;"


def _t(value) -> str:
    return escape(str(value), quote=True)


def _p(text: str, style: str = "") -> str:
    return (f'<p style="margin:0 0 9px; line-height:1.5; {style}">'
            + "<br>".join(_t(line) for line in text.split("\n")) + "</p>")


def _tiles(block: dict) -> str:
    per_row = block["colonnes"]
    cells = [f'<td style="{FONT} width:{100 // per_row}%; vertical-align:top; padding:8px 10px; background:{PALE}; '
             f'border:4px solid #ffffff;"><div style="font-size:12px; color:{MUTED};">{_t(i["libelle"])}</div>'
             f'<div style="font-size:21px; font-weight:bold; color:{BLUE_FRANCE}; white-space:nowrap;">'
             f'{_t(i["texte"])}</div></td>' for i in block["items"]]
    rows = ["<tr>" + "".join(cells[i:i + per_row]) + "</tr>" for i in range(0, len(cells), per_row)]
    return f'<table role="presentation" style="width:100%; border-collapse:collapse; margin-bottom:8px;">{"".join(rows)}</table>'


def _table(block: dict) -> str:
    head = "".join(f'<th scope="col" style="text-align:{"left" if i == 0 else "right"}; padding:5px 6px; '
                   f'border-bottom:2px solid {BLUE_FRANCE}; font-size:12px; vertical-align:bottom;">{_t(h)}</th>'
                   for i, h in enumerate(block["entetes"]))
    body = []
    for row in block["lignes"]:
        weight = "bold" if row["groupe"] else "normal"
        shade = f"background:{PALE};" if row["groupe"] else ""
        indent = "6px" if row["groupe"] else "16px"
        body.append(f'<tr style="{shade}"><th scope="row" style="text-align:left; font-weight:{weight}; '
                    f'padding:4px 6px 4px {indent}; border-bottom:1px solid {LINE}; font-size:13px;">'
                    f'{_t(row["libelle"])}</th>'
                    + "".join(f'<td style="text-align:right; padding:4px 6px; border-bottom:1px solid {LINE}; '
                              f'font-size:13px; font-weight:{weight}; white-space:nowrap;">{_t(c)}</td>'
                              for c in row["cellules"]) + "</tr>")
    return (f'<table style="{FONT} width:100%; border-collapse:collapse; color:{INK}; margin:6px 0 12px;">'
            f'<caption style="text-align:left; font-size:13px; color:{MUTED}; padding-bottom:6px;">'
            f'{_t(block["legende"])}</caption><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


def _block(block: dict, images: dict[str, str]) -> str:
    kind = block["type"]
    if kind == "paragraphes":
        return "".join(_p(t) for t in block["textes"])
    if kind == "tuiles":
        return _tiles(block)
    if kind == "tableau":
        return _table(block)
    if kind == "image":
        return (f'<figure style="margin:10px 0 18px;"><img src="{_t(images[block["cle"]])}" alt="{_t(block["alt"])}" '
                'width="640" style="width:100%; max-width:640px; height:auto; display:block;">'
                f'<figcaption style="font-size:12px; color:{MUTED}; margin-top:4px;">{_t(block["legende"])}'
                "</figcaption></figure>")
    if kind == "encadre":
        return (f'<div style="border-left:4px solid {BLUE_FRANCE}; padding:2px 12px; margin:0 0 14px;">'
                f'<p style="{FONT} font-size:16px; font-weight:bold; margin:0 0 4px;">{_t(block["titre"])}</p>'
                + (_p(block["sous_titre"], f"font-size:13px; color:{MUTED};") if block["sous_titre"] else "")
                + "".join(_p(t) for t in block["textes"]) + "</div>")
    if kind == "liste":
        items = "".join(f'<li style="margin:0 0 6px;"><strong>{_t(i["tete"])}</strong> — {_t(i["texte"])}'
                        + (f'<br><span style="color:{MUTED};">{_t(i["detail"])}</span>' if i["detail"] else "")
                        + "</li>" for i in block["items"])
        return f'<ul style="padding-left:20px; margin:0;">{items}</ul>'
    if kind == "notes":
        return "".join(_p(t, f"font-size:12px; color:{MUTED};") for t in block["textes"])
    raise ValueError(kind)


def _heading(view: dict, h1: str = "h1") -> str:
    head = layout.heading(view)
    badges = "".join(f'<span style="display:inline-block; color:{WARN}; border:1px solid {WARN}; font-size:12px; '
                     f'font-weight:bold; padding:2px 8px; margin:10px 6px 0 0;">{_t(b)}</span>' for b in head["badges"])
    return (f'<div style="background:{BLUE_FRANCE}; color:#ffffff; padding:18px 22px;">'
            f'<p style="{FONT} font-size:13px; letter-spacing:0.04em; margin:0;">{_t(head["editeur"])}</p>'
            f'<{h1} style="{FONT} font-size:25px; line-height:1.25; margin:6px 0 4px; color:#ffffff;">{_t(head["titre"])}'
            f'</{h1}>'
            f'<p style="{FONT} font-size:14px; margin:0;">{_t(head["sous_titre"])}</p></div>'
            + (f'<div style="padding:0 22px;">{badges}</div>' if badges else ""))


def body(view: dict, image_src: Callable[[letter_charts.Chart], str],
         charts: list[letter_charts.Chart] | None = None, heading_level: int = 1) -> str:
    """The letter's content: one column, 720 px at most. ``heading_level``: the level of the title
    (sections one below), so that the letter nests under a page's own headings."""
    charts = letter_charts.charts(view["academie"]) if charts is None else charts
    images = {c.key: image_src(c) for c in charts}
    h1, h2 = f"h{heading_level}", f"h{heading_level + 1}"
    out = [_heading(view, h1), '<div style="padding:0 22px 22px;">']
    for section in layout.sections(view, charts):
        out.append(f'<{h2} style="{FONT} color:{BLUE_FRANCE}; font-size:19px; margin:26px 0 10px; '
                   f'border-bottom:2px solid {BLUE_FRANCE}; padding-bottom:4px;">{_t(section["titre"])}</{h2}>')
        out += [_block(b, images) for b in section["blocs"]]
    out.append("</div>")
    return "".join(out)


def data_uri(chart: letter_charts.Chart) -> str:
    return "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii")


def document(view: dict, image_src: Callable[[letter_charts.Chart], str] = data_uri,
             charts: list[letter_charts.Chart] | None = None) -> str:
    """A complete HTML document (``lang="fr"``, UTF-8): the archived file, or an e-mail's body."""
    return ("<!DOCTYPE html>\n"
            '<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, '
            f'initial-scale=1"><title>{_t(view["titre"])}</title></head>'
            f'<body style="margin:0; padding:0; background:#eeeeee; color:{INK}; {FONT}">'
            f'<div style="max-width:720px; margin:0 auto; background:#ffffff;">{body(view, image_src, charts)}</div>'
            "</body></html>\n")


def plain_text(view: dict, charts: list[letter_charts.Chart] | None = None) -> str:
    """The e-mail's plain-text alternative: the same sections, figures and sentences."""
    charts = letter_charts.charts(view["academie"]) if charts is None else charts
    head = layout.heading(view)
    lines = [head["titre"], head["editeur"], head["sous_titre"], *head["badges"]]
    for section in layout.sections(view, charts):
        lines += ["", section["titre"], "-" * min(len(section["titre"]), 72)]
        for block in section["blocs"]:
            kind = block["type"]
            if kind in ("paragraphes", "notes"):
                lines += block["textes"]
            elif kind == "tuiles":
                lines += [f"- {i['libelle']} : {i['texte']}" for i in block["items"]]
            elif kind == "image":
                lines.append(f"[{block['legende']}] {block['alt']}")
            elif kind == "tableau":
                lines.append(block["legende"])
                heads = block["entetes"][1:]
                lines += [f"- {r['libelle']} : " + " ; ".join(f"{h} {c}" for h, c in zip(heads, r["cellules"],
                                                                                          strict=True))
                          for r in block["lignes"]]
            elif kind == "encadre":
                lines += [block["titre"], *([block["sous_titre"]] if block["sous_titre"] else []), *block["textes"]]
            elif kind == "liste":
                lines += [f"- {i['tete']} — {i['texte']}" + (f" ({i['detail']})" if i["detail"] else "")
                          for i in block["items"]]
    return "\n".join(lines) + "\n"
