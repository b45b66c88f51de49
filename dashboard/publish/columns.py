"""The declaration of a published column, once for every channel (page, CSV, XLSX, PPTX, figures).

A ``Column`` says what a value *means* — its ``Kind`` (a count of people, a rate stored as a
fraction, a difference in points, an expected count…), its rounding and whether it is subject to
statistical secrecy. Renderers (``publish.text``, ``publish.csvfile``, ``publish.workbook``,
``publish.screen``, the slides) read it; none of them ever looks at a header to decide a format.

A ``Table`` is a frame of raw values (one column per declared key) with the disclosure marks of
its cells (``dashboard.disclosure.PRIMARY`` / ``SECONDARY``): a masked cell holds ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import polars as pl

from dashboard.disclosure import marks as disclosure_marks


class Kind(StrEnum):
    COUNT = "count"  # a number of people (young people, pupils) or of things: an integer
    EXPECTED = "expected"  # an expected or projected count: kept as computed, shown rounded to a whole
    RATE = "rate"  # a rate or share stored as a fraction 0–1, shown "12,3 %"
    RELATIVE = "relative"  # a relative change or gap stored as a fraction, shown "+5,2 %"
    POINTS = "points"  # a difference of two rates stored as a difference of fractions, shown "+1,2 pt"
    NUMBER = "number"  # another quantity (per 10 000 inhabitants, per 100…) with its decimals
    DATE = "date"  # an ISO date "2017-04-30", shown "30/04/2017"
    CODE = "code"  # an identifier (territory code, UAI): text, never a number
    LABEL = "label"  # text (a name, a status label, a month label)


#: Kinds whose values are numbers in every channel.
NUMERIC = frozenset({Kind.COUNT, Kind.EXPECTED, Kind.RATE, Kind.RELATIVE, Kind.POINTS, Kind.NUMBER})
DEFAULT_DECIMALS = {Kind.RATE: 1, Kind.RELATIVE: 1, Kind.POINTS: 1}


@dataclass(frozen=True)
class Column:
    """One published column: ``key`` in the frames, French ``header``, ``kind``, ``decimals``
    shown (rates in percent), ``secret``: subject to statistical secrecy (counts of people and the
    figures derived from them), ``labels``: code → French text for a coded label column."""

    key: str
    header: str
    kind: Kind
    decimals: int | None = None
    secret: bool = False
    labels: Mapping[str, str] | None = None
    order: Mapping[str, int] | None = None  # sort order of a coded label column on screen (status…)
    colors: Mapping[str, str] | None = None  # text colour of each code on screen
    signed: bool = False  # a change: shown with its sign (« +12 », « −3 »)
    help: str | None = None

    @property
    def places(self) -> int:
        """Decimals shown (of the percentage for rates, gaps and points)."""
        return self.decimals if self.decimals is not None else DEFAULT_DECIMALS.get(self.kind, 0)

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC

    def titled(self, header: str) -> Column:
        """The same declaration under another header (a year in the header, a shorter slide header)."""
        return replace(self, header=header)

    def keyed(self, key: str) -> Column:
        """The same declaration under another key (a situation figure under its figures-export key)."""
        return replace(self, key=key)


def column_map(columns: Sequence[Column]) -> dict[str, Column]:
    return {c.key: c for c in columns}


Marks = Mapping[str, str]  # column key → disclosure mark of a masked cell


@dataclass(frozen=True)
class Table:
    """A published table: raw values, the declaration of each column, the marks of masked cells."""

    name: str  # sheet name / title
    columns: tuple[Column, ...]
    frame: pl.DataFrame
    marks: tuple[Marks, ...] = field(default=())
    note: str | None = None
    fills: tuple[Mapping[str, str], ...] = field(default=())  # per row: column key → background colour
    sources: tuple[str, ...] = ()  # keys of ``provenance.SOURCES`` the figures come from
    #: per row, the declaration of some cells when it differs from their column's (a « Valeur »
    #: column holding a count on one row and a rate on the next)
    cells: tuple[Mapping[str, Column], ...] = field(default=())

    def __post_init__(self):
        missing = [c.key for c in self.columns if c.key not in self.frame.columns]
        if missing:
            raise KeyError(f"columns {missing} not in the frame of table {self.name!r}")
        if not self.marks:
            object.__setattr__(self, "marks", tuple({} for _ in range(self.frame.height)))
        if len(self.marks) != self.frame.height:
            raise ValueError("one marks mapping per row")
        # a masked cell never carries its value, whatever the caller passed
        nulled = {}
        for key in {k for m in self.marks for k in m}:
            if key in self.frame.columns:
                flags = [key in m for m in self.marks]
                nulled[key] = pl.when(pl.Series(flags, dtype=pl.Boolean)).then(None).otherwise(pl.col(key))
        if nulled:
            object.__setattr__(self, "frame", self.frame.with_columns(**nulled))

    @property
    def has_secret(self) -> bool:
        return any(c.secret for c in self.columns)

    def rows(self):
        """(row values by key, marks) for every row."""
        return zip(self.frame.iter_rows(named=True), self.marks, strict=True)

    def value(self, row: int, key: str):
        return self.frame[key][row]

    def column_at(self, row: int, column: Column) -> Column:
        """The declaration of one cell: its row's override, else its column's."""
        if self.cells and column.key in self.cells[row]:
            return self.cells[row][column.key]
        return column


def table(name: str, frame: pl.DataFrame, columns: Sequence[Column], *, marks_column: str | None = "cellules_masquees",
          marks: Sequence[Marks] | None = None, note: str | None = None,
          fills: Sequence[Mapping[str, str]] = (), sources: Sequence[str] = ("raccrochage",),
          cells: Sequence[Mapping[str, Column]] = ()) -> Table:
    """A ``Table`` from a frame; the marks come from ``marks`` or from the frame's
    ``marks_column`` (``disclosure.marks.decode_marks``), restricted to the declared columns."""
    keys = {c.key for c in columns}
    if marks is None and marks_column and marks_column in frame.columns:
        marks = [disclosure_marks.decode_marks(text) for text in frame[marks_column].to_list()]
    marks = [{k: v for k, v in m.items() if k in keys} for m in (marks or [{}] * frame.height)]
    present = [c for c in columns if c.key in frame.columns]
    return Table(name, tuple(present), frame.select([c.key for c in present]), tuple(marks), note, tuple(fills),
                 tuple(sources), tuple(cells))


def masked_summary(table: Table, marks: Marks) -> str:
    """« Raccrochés (< 5), Apprentissage (s) »: the masked cells of a row, for a note column."""
    by_key = column_map(table.columns)
    return ", ".join(f"{by_key[k].header} ({disclosure_marks.mark_text(m)})" for k, m in marks.items() if k in by_key)
