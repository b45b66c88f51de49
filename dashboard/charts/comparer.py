"""Comparison of territories: the styled table (pandas Styler), the small multiples and the
ranking chart. Inputs come from ``queries.comparer`` with disclosure already applied (masked
values are nulls flagged ``masque``: the table prints "< 5" or "masqué", charts draw gaps).

Colours: a cell better than the académie has a light bluish-green background, a worse one a
light vermillion background (Okabe-Ito tints, colour-blind safe); the direction of "better" is
``queries.comparer.BETTER``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard import fmt, markup
from dashboard.access.scope import ACADEMIE
from dashboard.charts.common import (
    BLUE_FRANCE,
    GREY,
    LIGHT_GREY,
    SCHOOL_TYPE_COLORS,
    SCHOOL_TYPE_LABELS,
    chart_text,
    empty_figure,
    french_layout,
)
from dashboard.charts.secret_marks import line_marks
from dashboard.disclosure import marks as disclosure_marks
from dashboard.publish import catalog
from dashboard.publish import text as publish_text
from dashboard.schoolyear import rank_month
from queries import comparer as q
from queries.statuses import Status

TARGET_COLOR = "#D55E00"
VERDICT_BACKGROUNDS = {q.MEILLEUR: "#D3EDE4", q.MOINS_BON: "#F9D9C5"}
VERDICT_LABELS = {q.MEILLEUR: "mieux que l'académie", q.MOINS_BON: "moins bien que l'académie",
                  q.EGAL: "comme l'académie", q.NEUTRE: "sans appréciation"}
MASKED_TEXT = disclosure_marks.SECONDARY_LABEL
REFERENCE_SUFFIX = " (référence)"
PANEL_COLUMNS = 3


# --- cell texts ---------------------------------------------------------------------------------


def cell_mark(comp: q.Comparison, code: str, indicator: q.Indicator) -> str:
    """« < 5 » for a masked count of people under the threshold, « s » for any other masked cell."""
    if indicator.kind != "count":
        return disclosure_marks.SECONDARY
    marks = (comp.figures.get(code) or {}).get("secret") or {}
    return marks.get(indicator.key, disclosure_marks.SECONDARY)


def value_text(key: str, value: float | None, masked: bool = False, mark: str | None = None) -> str:
    """``"1 234"``, ``"12,3 %"``, ``"45,6"`` (per 10 000 or per 1 000); the secrecy mark when masked."""
    indicator = q.INDICATOR_INDEX[key]
    column = catalog.indicator_column(indicator.key, indicator.label, indicator.kind)
    if masked:
        return publish_text.cell_text(column, None, mark or disclosure_marks.SECONDARY)
    return publish_text.value_text(column, value)


def difference_text(key: str, ecart: float | None) -> str:
    """``"+1,2 pt"`` (rates), ``"−3,4"`` (per 10 000 or per 1 000), ``"8,1 % de l'académie"`` (counts)."""
    if ecart is None or (isinstance(ecart, float) and math.isnan(ecart)):
        return ""
    indicator = q.INDICATOR_INDEX[key]
    if indicator.kind == "count":
        return f"{fmt.percent(ecart)} de l'académie"
    if indicator.kind in ("rate", "share"):
        return fmt.signed_points(ecart)
    return fmt.signed_number(ecart, 1)


def cell_text(key: str, value: float | None, masked: bool, ecart: float | None, is_reference: bool,
              mark: str | None = None) -> str:
    """``"12,3 % (+1,2 pt)"``: the value and, except in the académie's column, its difference."""
    text = value_text(key, value, masked, mark)
    diff = "" if is_reference or masked else difference_text(key, ecart)
    return f"{text} ({diff})" if diff else text


def column_label(territory, is_reference: bool) -> str:
    return territory.label + (REFERENCE_SUFFIX if is_reference else "")


def table_columns(comp: q.Comparison) -> list[tuple]:
    """(territory, is_reference) in display order: the selection, then the académie."""
    out = [(t, t.code == ACADEMIE) for t in comp.territories]
    if comp.reference is not None and all(t.code != ACADEMIE for t in comp.territories):
        out.append((comp.reference, True))
    return out


def table_frames(comp: q.Comparison) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(display texts, CSS) frames: indicators in rows, territories in columns."""
    cells = {(r["indicateur"], r["code"]): r for r in comp.cells.iter_rows(named=True)}
    columns = table_columns(comp)
    labels = [column_label(t, ref) for t, ref in columns]
    texts, styles = [], []
    # where each territory stands at the date of its data: comparisons across dates say so
    for text in (_last_bilan, _status):
        texts.append([text(comp.figures.get(t.code) or {}) for t, _ref in columns])
        styles.append([""] * len(columns))
    for indicator in q.INDICATORS:
        row_text, row_style = [], []
        for territory, is_reference in columns:
            cell = cells[(indicator.key, territory.code)]
            mark = cell_mark(comp, territory.code, indicator) if cell["masque"] else None
            row_text.append(cell_text(indicator.key, cell["valeur"], cell["masque"], cell["ecart"], is_reference, mark))
            background = None if is_reference else VERDICT_BACKGROUNDS.get(cell["verdict"])
            row_style.append(f"background-color: {background}" if background else "")
        texts.append(row_text)
        styles.append(row_style)
    index = pd.Index(["Dernier bilan reçu", "Statut", *(i.label for i in q.INDICATORS)], name="Indicateur")
    return pd.DataFrame(texts, index=index, columns=labels), pd.DataFrame(styles, index=index, columns=labels)


def _last_bilan(figures: dict) -> str:
    date = figures.get("periode_fin")
    if not date:
        return fmt.MISSING
    late = figures.get("situation_annee") in ("provisoire", "close_incomplete")
    return fmt.date_short(date) + (" (provisoire)" if late else "")


def _status(figures: dict) -> str:
    return Status.of(figures.get("statut_trajectoire")).label


def styled_table(comp: q.Comparison):
    """A pandas Styler for ``st.table``: French texts, better/worse backgrounds, reference column
    in italics."""
    texts, styles = table_frames(comp)
    reference = [markup.markdown(c) for c in texts.columns if c.endswith(REFERENCE_SUFFIX)]
    # ``st.table`` reads Markdown in its headers: territory names are escaped there
    texts, styles = (frame.rename(columns=markup.markdown) for frame in (texts, styles))
    styler = texts.style.apply(lambda _frame: styles, axis=None)
    if reference:
        styler = styler.map(lambda _v: f"font-style: italic; color: {GREY}", subset=reference)
    return styler


# --- small multiples ----------------------------------------------------------------------------


def _grid(n: int, titles: Sequence[str], vertical_spacing: float = 0.16):
    rows, cols = math.ceil(n / PANEL_COLUMNS), min(n, PANEL_COLUMNS)
    fig = make_subplots(rows=rows, cols=cols, shared_yaxes="all", shared_xaxes="all",
                        subplot_titles=[chart_text(t) for t in titles],
                        horizontal_spacing=0.05, vertical_spacing=vertical_spacing)
    fig.update_annotations(font={"size": 13})
    return fig, rows, cols


def _position(i: int) -> tuple[int, int]:
    return i // PANEL_COLUMNS + 1, i % PANEL_COLUMNS + 1


def _month_tick(rank: int) -> str:
    return fmt.month_name(rank_month(rank), short=True)


def _empty(message: str, height: int = 260) -> go.Figure:
    return empty_figure(message, height)


def trajectories_figure(frame: pl.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """One panel per territory: cumulative raccrochés as a % of the territory's own target
    (solid) against its target trajectory (dashed; none in a closed year), on one shared y scale."""
    codes = list(labels)
    if frame.is_empty() or not codes:
        return _empty("Aucun bilan reçu pour ces territoires.")
    fig, rows, _cols = _grid(len(codes), [labels[c] for c in codes])
    masked_shown = False
    for i, code in enumerate(codes):
        row, col = _position(i)
        part = frame.filter(pl.col("code") == code).sort("rang")
        objectif = part["objectif"][0] if part.height else None
        first = i == 0
        if objectif is None:
            fig.add_annotation(text="Pas d'objectif fixé", x=0.5, y=0.5, xref="x domain", yref="y domain",
                               showarrow=False, font={"color": GREY}, row=row, col=col)
            continue
        expected = part.filter(pl.col("part_attendue").is_not_null())
        if expected.height:  # a closed year has no trajectory
            fig.add_trace(go.Scatter(
                x=expected["rang"].to_list(), y=[v * 100 for v in expected["part_attendue"].to_list()],
                mode="lines", name="Trajectoire de l'objectif", legendgroup="attendu", showlegend=first,
                line={"color": TARGET_COLOR, "width": 2, "dash": "dash"},
                customdata=expected["libelle"].to_list(),
                hovertemplate="<b>Attendu</b> fin %{customdata} : %{y:,.1f} % de l'objectif<extra></extra>",
            ), row=row, col=col)
        done = part.filter(pl.col("raccroches_cumul").is_not_null() | pl.col("masque"))
        hover = [
            f"<b>{chart_text(labels[code])}</b><br>fin {lib} : "
            + ("raccrochés cumulés masqués (secret statistique)" if m else
               f"{fmt.integer(n)} raccrochés cumulés, {fmt.percent(p)} de l'objectif ({fmt.integer(objectif)})")
            for lib, n, p, m in zip(done["libelle"].to_list(), done["raccroches_cumul"].to_list(),
                                    done["part_realisee"].to_list(), done["masque"].to_list(), strict=True)
        ]
        fig.add_trace(go.Scatter(
            x=done["rang"].to_list(),
            y=[None if v is None else v * 100 for v in done["part_realisee"].to_list()],
            mode="lines+markers", name="Raccrochés cumulés", legendgroup="realise", showlegend=first,
            line={"color": BLUE_FRANCE, "width": 3}, marker={"size": 7}, connectgaps=False,
            customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        ), row=row, col=col)
        marks = line_marks(done["rang"].to_list(),
                           [None if v is None else v * 100 for v in done["part_realisee"].to_list()],
                           [(m or disclosure_marks.SECONDARY) if masked else None for m, masked
                            in zip(done["marque"].to_list(), done["masque"].to_list(), strict=True)],
                           chart_text(labels[code]), BLUE_FRANCE, legend=not masked_shown)
        if marks is not None:
            masked_shown = True
            fig.add_trace(marks, row=row, col=col)
    ranks = sorted(set(frame["rang"].to_list()))
    fig.update_xaxes(tickmode="array", tickvals=ranks, ticktext=[_month_tick(r) for r in ranks],
                     range=[min(ranks) - 0.5, max(ranks) + 0.5])
    # explicit y range: with matched x axes and an x range, plotly.js autoranges y to [0, 4]
    values = [v for column in ("part_realisee", "part_attendue") for v in frame[column].to_list() if v is not None]
    top = max([*values, 1.0]) * 100 * 1.08
    fig.update_yaxes(ticksuffix="\u00a0%", range=[0, top])
    for r in range(1, rows + 1):
        fig.update_yaxes(title_text="% de l'objectif annuel", row=r, col=1)
    fig.add_hline(y=100, line={"color": GREY, "width": 1, "dash": "dot"}, row="all", col="all",
                  exclude_empty_subplots=False)
    return french_layout(fig, height=110 + 250 * rows)


def absenteeism_figure(frame: pl.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """One panel per territory: monthly absenteeism rate per school type, shared y scale."""
    codes = list(labels)
    if frame.is_empty() or not codes:
        return _empty("Aucune donnée d'absentéisme pour ces territoires.")
    fig, rows, _cols = _grid(len(codes), [labels[c] for c in codes])
    present = [t for t in SCHOOL_TYPE_COLORS if t in set(frame["groupe"].to_list())]
    shown_in_legend: set[str] = set()
    for i, code in enumerate(codes):
        row, col = _position(i)
        part = frame.filter(pl.col("code") == code)
        if part.is_empty():
            fig.add_annotation(text="Aucune donnée", x=0.5, y=0.5, xref="x domain", yref="y domain",
                               showarrow=False, font={"color": GREY}, row=row, col=col)
        for school_type in present:
            rows_type = part.filter(pl.col("groupe") == school_type).sort("rang")
            if rows_type.is_empty():
                continue
            name = SCHOOL_TYPE_LABELS[school_type]
            hover = [f"<b>{name}</b> — {fmt.month_label(m)} : "
                     + (MASKED_TEXT if masked else fmt.percent(t))
                     for m, t, masked in zip(rows_type["mois"].to_list(), rows_type["taux"].to_list(),
                                             rows_type["masque"].to_list(), strict=True)]
            fig.add_trace(go.Scatter(
                x=rows_type["rang"].to_list(), y=[None if v is None else v * 100 for v in rows_type["taux"].to_list()],
                mode="lines+markers", name=name, legendgroup=school_type,
                showlegend=school_type not in shown_in_legend, connectgaps=False,
                line={"color": SCHOOL_TYPE_COLORS[school_type], "width": 2}, marker={"size": 5},
                customdata=hover, hovertemplate="%{customdata}<extra></extra>",
            ), row=row, col=col)
            shown_in_legend.add(school_type)
            marks = line_marks(rows_type["rang"].to_list(),
                               [None if v is None else v * 100 for v in rows_type["taux"].to_list()],
                               [disclosure_marks.SECONDARY if m else None for m in rows_type["masque"].to_list()],
                               name, SCHOOL_TYPE_COLORS[school_type], legend="secret" not in shown_in_legend)
            if marks is not None:
                shown_in_legend.add("secret")
                fig.add_trace(marks, row=row, col=col)
    ranks = sorted(set(frame["rang"].to_list()))
    fig.update_xaxes(tickmode="array", tickvals=ranks, ticktext=[_month_tick(r) for r in ranks])
    top = max([v for v in frame["taux"].to_list() if v is not None] + [0.01]) * 100 * 1.08
    fig.update_yaxes(ticksuffix="\u00a0%", range=[0, top])  # explicit: matched axes autorange badly
    for r in range(1, rows + 1):
        fig.update_yaxes(title_text="Élèves absentéistes", row=r, col=1)
    return french_layout(fig, height=110 + 250 * rows)


# --- ranking ------------------------------------------------------------------------------------


def _plot_value(kind: str, value: float | None) -> float | None:
    if value is None:
        return None
    return value * 100 if kind in ("rate", "share") else value


PROVISIONAL_MARK = " (provisoire)"


def provisional_sentence(ranked: pl.DataFrame) -> str | None:
    """« Chiffres provisoires : Royan et Angoulême (dernier bilan au 28 février 2017) sont classés sur
    des chiffres plus anciens que les autres. » — or None when every territory is up to date."""
    if ranked.is_empty() or "provisoire" not in ranked.columns:
        return None
    late = ranked.filter(pl.col("provisoire"))
    if late.is_empty():
        return None
    names = [f"{name} (dernier bilan au {fmt.date_long(date)})" if date else f"{name} (bilan manquant)"
             for name, date in late.select("libelle", "dernier_bilan").iter_rows()]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]
    verb = "est classé" if len(names) == 1 else "sont classés"
    return (f"Chiffres provisoires (hachurés, « provisoire ») : {listed} {verb} sur des chiffres plus anciens que "
            "les autres, arrêtés à la date de leur dernier bilan ; leur rang peut encore changer.")


def ranking_figure(ranked: pl.DataFrame, indicator: str, selected: Sequence[str],
                   reference: float | None = None) -> go.Figure:
    """Horizontal bars of one indicator across a level, best at the top; the selected
    territories in blue, the others grey; the académie's value as a dotted line."""
    if ranked.is_empty():
        return _empty("Aucun territoire de ce niveau n'est accessible.")
    ind = q.INDICATOR_INDEX[indicator]
    chosen = set(selected)
    names, values, colors, texts, patterns, hovers = [], [], [], [], [], []
    for row in ranked.iter_rows(named=True):
        text = value_text(indicator, row["valeur"], row["masque"])
        late = bool(row.get("provisoire"))
        suffix = f" — {text}" if row["valeur"] is None else ""
        name = chart_text(row["libelle"]) + (PROVISIONAL_MARK if late else "")
        names.append(f"<b>{name}</b>{suffix}" if row["code"] in chosen else f"{name}{suffix}")
        values.append(_plot_value(ind.kind, row["valeur"]))
        colors.append(BLUE_FRANCE if row["code"] in chosen else LIGHT_GREY)
        texts.append(text)
        patterns.append("/" if late else "")
        hovers.append(text + (f" — chiffres provisoires : dernier bilan au {fmt.date_long(row.get('dernier_bilan'))}"
                              if late else ""))
    fig = go.Figure(go.Bar(
        y=names, x=values, orientation="h", marker={"color": colors, "pattern": {"shape": patterns, "fgcolor": GREY}},
        text=texts, textposition="outside",
        cliponaxis=False, customdata=hovers, hovertemplate="%{y} : %{customdata}<extra></extra>",
    ))
    if reference is not None:
        fig.add_vline(x=_plot_value(ind.kind, reference), line={"color": TARGET_COLOR, "width": 2, "dash": "dot"},
                      annotation_text=f"Académie : {value_text(indicator, reference)}",
                      annotation_position="top", annotation_font_color=TARGET_COLOR)
    fig.update_yaxes(autorange="reversed", type="category")
    top = max([v for v in values if v is not None] + [_plot_value(ind.kind, reference) or 0, 0])
    fig.update_xaxes(title_text=ind.label, range=[0, top * 1.2 or 1],
                     ticksuffix="\u00a0%" if ind.kind in ("rate", "share") else "",
                     tickformat=",.0f" if ind.kind == "count" else None)
    fig.update_layout(showlegend=False)
    return french_layout(fig, height=max(260, 90 + 30 * len(names)))
