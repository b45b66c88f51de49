"""Shared chart styling: palette, French layout defaults, solution and school-type colours.

The palette is colour-blind safe (Okabe-Ito), used consistently across the app, the map and
the slides: a solution type or a school type has the same colour everywhere.
"""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard import fmt, markup

BLUE_FRANCE = "#000091"
GREY = "#666666"
LIGHT_GREY = "#BBBBBB"
FONT_FAMILY = "Marianne, Arial, 'DejaVu Sans', sans-serif"

# Okabe-Ito
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

SOLUTION_COLORS = {
    "raccroches_formation_initiale": "#0072B2",
    "raccroches_structure_innovante": "#CC79A7",
    "raccroches_apprentissage": "#E69F00",
    "raccroches_mlds": "#009E73",
    "raccroches_service_civique": "#56B4E9",
    "raccroches_autres": "#999999",
}

SCHOOL_TYPE_LABELS = {
    "COLLEGE": "Collège",
    "LGT": "LGT",
    "LP": "LP",
    "LPO": "LPO",
    "EREA": "EREA",
    "AUTRE": "Autre",
}
SCHOOL_TYPE_COLORS = {
    "COLLEGE": "#0072B2",
    "LGT": "#009E73",
    "LP": "#D55E00",
    "LPO": "#CC79A7",
    "EREA": "#E69F00",
    "AUTRE": "#999999",
}

def chart_text(value) -> str:
    """Text from the data (a territory, school or commune name) for a Plotly string, shown exactly
    as written (``dashboard.markup.plotly``)."""
    return markup.plotly(value)


def french_layout(fig: go.Figure, *, title: str | None = None, height: int | None = None) -> go.Figure:
    """Apply the app's French defaults: separators "1 234,5", font, margins, legend below."""
    fig.update_layout(
        separators=fmt.plotly_locale_separators(),
        font={"family": FONT_FAMILY, "size": 13, "color": "#1E1E1E"},
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "xanchor": "left", "x": 0},
        hoverlabel={"font_family": FONT_FAMILY},
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    if title:
        fig.update_layout(title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}})
    if height:
        fig.update_layout(height=height)
    fig.update_xaxes(gridcolor="#EEEEEE", zerolinecolor="#DDDDDD")
    fig.update_yaxes(gridcolor="#EEEEEE", zerolinecolor="#DDDDDD")
    return fig


#: No toolbar: Plotly's buttons speak English (its French locale is not bundled with Streamlit) and
#: the figures behind every chart are downloadable (CSV/XLSX) or in the decks as native charts.
PLOTLY_CONFIG = {"displaylogo": False, "displayModeBar": False}


def empty_figure(message: str, height: int = 300) -> go.Figure:
    """A blank figure carrying ``message`` in its centre (no data, everything masked...)."""
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"size": 15, "color": GREY})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return french_layout(fig, height=height)


def legend_on_top(fig: go.Figure) -> go.Figure:
    """The legend in one line above the plot (charts whose bars would hide a legend below)."""
    fig.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
                      margin={"t": 40})
    return fig
