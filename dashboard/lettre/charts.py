"""The letter's two charts as PNG images with their text alternative (matplotlib, offline).

They draw the published values of a part (``content.part``): the cumulative raccrochés per
bimonthly period against the expected level, and the raccrochés by type of solution. A masked
value is not drawn and is named as masked in the text alternative.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from dashboard import fmt
from dashboard.charts.common import BLUE_FRANCE
from queries.raccrochage_rules import SOLUTION_LABELS

GREY = "#7b7b7b"
INK = "#1e1e1e"
DPI = 200


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    alt: str  # the text alternative: every value the chart shows
    png: bytes


def _figure(width: float, height: float):
    import matplotlib  # heavy: loaded when a chart image is drawn

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt  # heavy: loaded when a chart image is drawn

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9, "axes.edgecolor": "#c8c8c8",
                         "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK})
    return plt.subplots(figsize=(width, height), dpi=DPI)


def _png(fig) -> bytes:
    from matplotlib import pyplot as plt  # heavy: loaded when a chart image is drawn

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return buffer.getvalue()


def _french_ticks(ax) -> None:
    from matplotlib.ticker import FuncFormatter  # heavy: loaded when a chart image is drawn

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.integer(v)))


def _two_lines(label: str) -> str:
    """« sept.–oct. 2016 » → « sept.–oct.\n2016 »: six periods side by side stay readable."""
    head, _, year = label.rpartition(" ")
    return f"{head}\n{year}" if head else label


def trajectory(part: dict, objectif: dict | None) -> Chart | None:
    """Cumulative raccrochés since the rentrée per period, and the expected level on the trajectory."""
    periods = part.get("periodes") or []
    if not periods:
        return None
    labels = [_two_lines(p["libelle"]) for p in periods]
    cumul = [p["cumul"] for p in periods]
    expected = [p["attendu"] for p in periods]
    fig, ax = _figure(6.4, 2.8)
    xs = list(range(len(periods)))
    ax.bar([x for x, v in zip(xs, cumul, strict=True) if v is not None], [v for v in cumul if v is not None],
           color=BLUE_FRANCE, width=0.6, label="Raccrochés depuis la rentrée")
    top = max([v for v in cumul + expected if v is not None] or [1])
    for x, v in zip(xs, cumul, strict=True):
        if v is not None:  # inside the bar (the expected level's markers sit on its top)
            inside = v > top * 0.12
            ax.annotate(fmt.integer(v), (x, v), ha="center", va="top" if inside else "bottom", fontsize=8,
                        xytext=(0, -4 if inside else 2), textcoords="offset points",
                        color="white" if inside else INK, fontweight="bold")
    if any(v is not None for v in expected):
        ax.plot([x for x, v in zip(xs, expected, strict=True) if v is not None],
                [v for v in expected if v is not None], color="#e1000f", marker="o", linewidth=1.6,
                label="Niveau attendu (trajectoire)")
    goal = objectif["valeur"] if objectif and objectif.get("valeur") is not None else None
    if goal is not None:
        ax.axhline(goal, color=GREY, linestyle="--", linewidth=1)
        ax.annotate(f"Objectif annuel : {fmt.integer(goal)}", (0.0, goal), xycoords=("axes fraction", "data"),
                    xytext=(4, 3), textcoords="offset points", ha="left", fontsize=8, color=GREY)
        ax.set_ylim(0, max(goal, *(v for v in cumul if v is not None)) * 1.12)
    ax.set_xticks(xs, labels, fontsize=8)
    _french_ticks(ax)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower left", frameon=False, fontsize=8, bbox_to_anchor=(0, 1.0), ncol=2)
    title = f"Raccrochés depuis la rentrée et trajectoire — {part['libelle']}"
    steps = []
    for p in periods:
        value = fmt.integer(p["cumul"]) if p["cumul"] is not None else "valeur masquée (secret statistique)"
        step = f"{p['libelle']} : {value}"
        if p["attendu"] is not None:
            step += f" (attendu {fmt.integer(p['attendu'])})"
        steps.append(step)
    alt = (f"Graphique en barres : raccrochés cumulés depuis la rentrée, par bimestre, {part['libelle']}. "
           + " ; ".join(steps) + ".")
    if goal is not None:
        alt += f" Objectif annuel : {fmt.integer(goal)}."
    return Chart("trajectoire", title, alt, _png(fig))


def solutions(part: dict) -> Chart | None:
    """Raccrochés since the rentrée by type of solution (published values; masked ones named)."""
    items = part.get("solutions") or []
    if not items:
        return None
    names = {f"raccroches_par_solution.{k.removeprefix('raccroches_')}": v for k, v in SOLUTION_LABELS.items()}
    rows = [(names.get(i["cle"], i["libelle"]), i) for i in items]
    fig, ax = _figure(6.4, 2.4)
    ys = list(range(len(rows)))[::-1]
    for y, (_label, item) in zip(ys, rows, strict=True):
        if item["valeur"] is not None:
            ax.barh(y, item["valeur"], color=BLUE_FRANCE, height=0.6)
            ax.annotate(item["texte"], (item["valeur"], y), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize=8, color=INK)
        else:
            ax.annotate(f"{item['texte']} (secret statistique)", (0, y), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize=8, color=GREY)
    ax.set_yticks(ys, [label for label, _ in rows])
    ax.xaxis.set_visible(False)
    ax.spines[["top", "right", "bottom"]].set_visible(False)
    title = f"Raccrochés depuis la rentrée par type de solution — {part['libelle']}"
    alt = ("Graphique en barres horizontales : raccrochés depuis la rentrée par type de solution, "
           f"{part['libelle']}. " + " ; ".join(f"{label} : {item['texte']}" for label, item in rows) + ".")
    return Chart("solutions", title, alt, _png(fig))


def charts(part: dict) -> list[Chart]:
    objectif = next((f for f in part.get("chiffres", []) if f["cle"] == "objectif"), None)
    return [c for c in (trajectory(part, objectif), solutions(part)) if c is not None]
