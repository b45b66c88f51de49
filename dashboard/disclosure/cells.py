"""What the dashboard publishes about raccrochage, as linear sums of unknown flows.

The unknowns are the flows of the bilans: for a school year, a network, a bimonthly period and a
count column (jeunes signalés… and the six types of solution), the number of young people. Every
published count is a sum of them (``Cell``):

* ``total`` — a territory's count since the rentrée (its networks, each up to its last bilan);
* ``period`` — a territory's flow of one bimonthly period (types of solution, raccrochés, contrats
  FOQUALE: what the pages and decks draw per period);
* ``cumul`` — a territory's raccrochés cumulated up to a period (the trajectory lines);
* ``n1`` — « même date l'an dernier »: the previous year, each network up to the rank of its own
  last bilan of the year;
* ``projection`` — an open year's projection of an aggregate: Σ raccrochés of a network / its share
  of the year (published rounded: an interval, not an equality).

Raccrochés are the sum of the six types. Every territory of every level is published (académie,
departments, PSAD, networks). Cells with the same set of unknowns are one published value
(``Cell.atom``): a mask on one is a mask on all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dashboard.schoolyear import month_rank

SOLUTIONS = ("raccroches_formation_initiale", "raccroches_structure_innovante", "raccroches_apprentissage",
             "raccroches_mlds", "raccroches_service_civique", "raccroches_autres")
RACCROCHES = "raccroches"
#: Count columns, by family: the unknowns of one family never meet another's in a published sum.
FAMILIES = {
    "jeunes_signales": ("jeunes_signales",),
    "jeunes_contactes": ("jeunes_contactes",),
    "entretiens": ("entretiens",),
    "solutions_proposees": ("solutions_proposees",),
    "contrats_foquale": ("contrats_foquale",),
    RACCROCHES: SOLUTIONS,
}
#: Columns published per period (charts of solutions by period and of contrats FOQUALE). Below the
#: académie, a period holds too few young people per type of solution for the split to be read (many
#: cells would be under the threshold, and masking them would spread to the rest): a department, a
#: PSAD or a network shows the raccrochés and contrats of each period, and its types for the year.
PERIOD_COLUMNS = (*SOLUTIONS, RACCROCHES, "contrats_foquale")
PERIOD_COLUMNS_SMALL = (RACCROCHES, "contrats_foquale")
SMALL_LEVELS = frozenset({"reseau", "psad"})
PERIOD_SPLIT_LEVELS = frozenset({"academie"})


def period_columns(niveau: str) -> tuple[str, ...]:
    """The columns published per period for a territory of ``niveau``."""
    return PERIOD_COLUMNS if niveau in PERIOD_SPLIT_LEVELS else PERIOD_COLUMNS_SMALL
#: Columns published at the same date last year (the types of solution only for the académie and
#: the departments: a PSAD or a network has too few young people per type to compare two years).
N1_COLUMNS = ("jeunes_signales", "jeunes_contactes", "solutions_proposees", "contrats_foquale", RACCROCHES, *SOLUTIONS)
N1_COLUMNS_SMALL = ("jeunes_signales", "jeunes_contactes", "solutions_proposees", "contrats_foquale", RACCROCHES)


def n1_columns(niveau: str) -> tuple[str, ...]:
    return N1_COLUMNS_SMALL if niveau in SMALL_LEVELS else N1_COLUMNS
TOTAL_COLUMNS = ("jeunes_signales", "jeunes_contactes", "entretiens", "solutions_proposees", "contrats_foquale",
                 RACCROCHES, *SOLUTIONS)

TOTAL, PERIOD, CUMUL, N1, PROJECTION = "total", "period", "cumul", "n1", "projection"
#: Not published: what the previous year's own files show up to the latest « même date » month,
#: minus the « même date » value (the networks whose last bilan is earlier, over the months between).
#: A reader who holds both years' files can subtract; when it is a small count it must stay protected.
GAP_N1 = "ecart_n1"


def family_of(column: str) -> str:
    return RACCROCHES if column == RACCROCHES or column in SOLUTIONS else column


def parts_of(column: str) -> tuple[str, ...]:
    """The base columns a published column adds up (raccrochés: the six types)."""
    return SOLUTIONS if column == RACCROCHES else (column,)


@dataclass(frozen=True)
class Key:
    """A published value: school year, territory, kind, period (``periode_fin``, or "" when none),
    column (the family for a projection)."""

    annee: str
    code: str
    kind: str
    periode: str
    column: str

    def label(self) -> str:
        where = f" {self.periode}" if self.periode else ""
        return f"{self.annee} {self.code} {self.kind}{where} {self.column}"


Var = tuple[str, str, str, str]  # (annee, reseau, periode_fin, base column)


@dataclass
class Cell:
    key: Key
    coefficients: dict[Var, float]  # unknown → coefficient (1 for a count)
    value: float
    rounding: float = 0.0  # published within ± rounding (projections, rounded rates)
    count: bool = True
    atom: tuple = field(default=())
    #: what a reader sees minus the true value (a rounded rate × its known base): the reader's
    #: interval is value + offset ± rounding
    offset: float = 0.0
    #: the family of unknowns, when it is not the column's (absenteeism: every rate is one family)
    family_name: str | None = None

    @property
    def family(self) -> str:
        return self.family_name or family_of(self.key.column)


@dataclass(frozen=True)
class YearData:
    """The flows of one school year: {(reseau, periode_fin): {base column: count}}, the
    territories (code → level and networks) of that year, and, for an open year, each network's
    share of the year at its last bilan (for projections)."""

    annee: str
    flows: Mapping[tuple[str, str], Mapping[str, int]]
    territories: Mapping[str, tuple[str, tuple[str, ...], str | None]]  # code → (niveau, networks, parent)
    shares: Mapping[str, float] = field(default_factory=dict)
    closed: bool = True

    def periods_of(self, reseau: str) -> list[str]:
        return sorted(p for (r, p) in self.flows if r == reseau)


def _cell(key: Key, variables: Iterable[Var], data: Mapping[str, YearData]) -> Cell:
    coefficients = {v: 1.0 for v in variables}
    value = sum(data[v[0]].flows[(v[1], v[2])][v[3]] for v in coefficients)
    return Cell(key, coefficients, float(value))


def year_cells(year: YearData, data: Mapping[str, YearData], previous: YearData | None = None) -> list[Cell]:
    """Every value published for ``year``: totals, periods, cumulative raccrochés, projections
    and, when ``previous`` is given, the same date last year."""
    out: list[Cell] = []
    annee = year.annee
    for code, (niveau, reseaux, _parent) in year.territories.items():
        reported = [r for r in reseaux if year.periods_of(r)]
        if not reported:
            continue
        periods = {r: year.periods_of(r) for r in reported}
        for column in TOTAL_COLUMNS:
            parts = parts_of(column)
            out.append(_cell(Key(annee, code, TOTAL, "", column),
                             [(annee, r, p, c) for r in reported for p in periods[r] for c in parts], data))
        every = sorted({p for r in reported for p in periods[r]})
        for p in every:
            present = [r for r in reported if p in periods[r]]
            for column in period_columns(niveau):
                out.append(_cell(Key(annee, code, PERIOD, p, column),
                                 [(annee, r, p, c) for r in present for c in parts_of(column)], data))
            out.append(_cell(Key(annee, code, CUMUL, p, RACCROCHES),
                             [(annee, r, q, c) for r in reported for q in periods[r] if q <= p for c in SOLUTIONS],
                             data))
        if not year.closed and len(reported) > 1 and all(year.shares.get(r) for r in reported):
            coefficients = {(annee, r, q, c): 1.0 / year.shares[r] for r in reported for q in periods[r]
                            for c in SOLUTIONS}
            value = sum(year.flows[(v[1], v[2])][v[3]] * w for v, w in coefficients.items())
            out.append(Cell(Key(annee, code, PROJECTION, "", RACCROCHES), coefficients, value, rounding=0.5,
                            count=False))
        if previous is not None:
            cut = {r: month_rank(periods[r][-1]) for r in reported}
            before = {r: [q for q in previous.periods_of(r) if month_rank(q) <= cut[r]] for r in reported}
            if any(before.values()):
                latest = max(cut.values())
                for column in n1_columns(niveau):
                    variables = [(previous.annee, r, q, c) for r in reported for q in before[r]
                                 for c in parts_of(column)]
                    out.append(_cell(Key(annee, code, N1, "", column), variables, data))
                    shown = set(variables)
                    gap = [(previous.annee, r, q, c) for r in reported for q in previous.periods_of(r)
                           if month_rank(q) <= latest for c in parts_of(column)
                           if (previous.annee, r, q, c) not in shown]
                    if gap:
                        out.append(_cell(Key(previous.annee, code, GAP_N1, annee, column), gap, data))
    return out


def with_atoms(cells: Sequence[Cell]) -> list[Cell]:
    """Give every count cell its atom (its set of unknowns): equal sets are one published value."""
    for cell in cells:
        cell.atom = (tuple(sorted(cell.coefficients)),) if cell.count else ("projection", cell.key)
    return list(cells)


def truth(data: Mapping[str, YearData]) -> dict[Var, float]:
    """Every unknown's true value (the flows of the bilans)."""
    return {(annee, r, p, c): float(count) for annee, year in data.items()
            for (r, p), counts in year.flows.items() for c, count in counts.items()}


def department_grouping(data: Mapping[str, YearData]):
    """Unknown → the department of its network that year (the network itself when it has none):
    the groups of ``disclosure.audit.Locality``."""
    department = {(annee, r): code for annee, year in data.items()
                  for code, (niveau, reseaux, _parent) in year.territories.items() if niveau == "departement"
                  for r in reseaux}

    def group(var: Var) -> str:
        return department.get((var[0], var[1]), var[1])

    return group
