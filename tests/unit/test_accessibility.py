"""Accessibility rules that need no browser (issue 28): the text alternatives read back from a
figure, the contrast of the status colours, the icons that carry a status."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard.charts import alternative
from queries.statuses import STATUS_COLORS, STATUS_ICONS, STATUS_LABELS
from queries.statuses import icon_meanings as status_icon_meanings


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula():
    assert round(contrast("#000000", "#FFFFFF"), 1) == 21.0
    assert round(contrast("#767676", "#FFFFFF"), 2) == 4.54


def test_every_status_colour_stands_out_from_the_white_background():
    """WCAG 1.4.11: 3:1 for the chart and map elements that carry a status."""
    weak = {status: round(contrast(colour, "#FFFFFF"), 2) for status, colour in STATUS_COLORS.items()
            if contrast(colour, "#FFFFFF") < 3}
    assert not weak, weak


def test_every_status_has_an_icon_said_in_words():
    assert set(STATUS_ICONS) == set(STATUS_LABELS)
    meanings = status_icon_meanings()
    assert meanings["close"] == "objectif non atteint" and meanings["north_east"] == "en avance"
    assert len(set(STATUS_ICONS.values())) == len(STATUS_ICONS)


def _bars() -> go.Figure:
    fig = go.Figure()
    fig.add_trace(go.Bar(x=[1, 2, 3], y=[1234.0, None, 56], name="Raccrochés",
                         text=["", "< 5", ""]))
    fig.add_trace(go.Scatter(x=[1, 2, 3], y=[1000, 1100.5, 1200], name="Trajectoire de l'objectif"))
    fig.add_trace(go.Scatter(x=[1, 2, 3], y=[1, 2, 3], mode="text", text=["a", "b", "c"]))
    fig.update_xaxes(tickmode="array", tickvals=[1, 2, 3], ticktext=["fin oct.", "fin déc.", "fin<br>févr."],
                     title_text="Période")
    return fig


def test_the_table_says_what_the_chart_draws():
    table = alternative.figure_table(_bars())
    assert table.columns == ["Période", "Raccrochés", "Trajectoire de l'objectif"]
    assert table["Période"].to_list() == ["fin oct.", "fin déc.", "fin févr."]
    # a bar's own text wins (the secrecy mark where the value would have been), else the value in French
    assert table["Raccrochés"].to_list() == ["1\u202f234", "< 5", "56"]
    assert table["Trajectoire de l'objectif"].to_list() == ["1\u202f000", "1\u202f100,5", "1\u202f200"]


def test_values_keep_the_decimals_the_chart_shows():
    """A trajectory of 1 362,3 expected young people is drawn and hovered as « 1 362 »: the table says the same."""
    fig = go.Figure(go.Scatter(x=["fin oct."], y=[1362.3], name="Trajectoire",
                               hovertemplate="fin %{x} : %{y:,.0f} attendus<extra></extra>"))
    assert alternative.figure_table(fig)["Trajectoire"].to_list() == ["1\u202f362"]
    fig = go.Figure(go.Bar(x=["LP"], y=[12.34], name="Taux"))
    fig.update_yaxes(tickformat=".1f")
    assert alternative.figure_table(fig)["Taux"].to_list() == ["12,3"]


def test_horizontal_bars_in_percent_and_a_heatmap():
    fig = go.Figure(go.Bar(y=["Charente (16)", "Vienne (86)"], x=[107.0, 95.8], orientation="h", name="Taux"))
    fig.update_xaxes(ticksuffix="\u00a0%")
    table = alternative.figure_table(fig)
    assert table.rows() == [("Charente (16)", "107,0\u00a0%"), ("Vienne (86)", "95,8\u00a0%")]
    heat = go.Figure(go.Heatmap(x=["sept.", "oct."], y=["Collège", "LP"], z=[[2.5, None], [11.0, 12.25]]))
    table = alternative.figure_table(heat)
    assert table.columns == ["Catégorie", "sept.", "oct."] and table.row(0)[0] == "Collège" and table.row(0)[2] == "—"


def test_the_description_names_the_chart_its_series_and_the_commentary():
    text = alternative.description(_bars(), "Départements : où en est chacun ?",
                                   "L'année scolaire est close : 2 620 jeunes raccrochés")
    assert text.startswith("Graphique (barres, courbes) : Départements : où en est chacun ? Séries : Raccrochés, "
                           "Trajectoire de l'objectif. L'année scolaire est close : 2 620 jeunes raccrochés.")
    assert "?." not in text
