"""The school-year calendar, once: a school year runs from September to August and is written
``"2014-2015"``; a month's rank in it runs from September 0 to August 11 (June 9, the last month of
absenteeism; the July–August bilan, rank 11, closes the year). Core, no Streamlit.

Whether a year is closed is decided from the bilans received (``queries.raccrochage_position``).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

FIRST_MONTH = 9  # September


def school_year(start: int) -> str:
    """``2014`` → ``"2014-2015"``."""
    return f"{start}-{start + 1}"


def start_year(annee: str) -> int:
    """``"2014-2015"`` → ``2014``."""
    return int(annee[:4])


def previous_year(annee: str) -> str:
    """``"2014-2015"`` → ``"2013-2014"``."""
    return school_year(start_year(annee) - 1)


def school_year_of(date: dt.date | str) -> str:
    """The school year a date (or a ``YYYY-MM`` month) belongs to."""
    if isinstance(date, str):
        date = dt.date.fromisoformat(date[:10] if len(date) >= 10 else date + "-01")
    return school_year(date.year if date.month >= FIRST_MONTH else date.year - 1)


def month_rank(date: str) -> int:
    """Rank of the month of an ISO date or ``YYYY-MM`` month in the school year: September 0 … August 11."""
    return (int(date[5:7]) - FIRST_MONTH) % 12


def rank_month(rank: int) -> int:
    """Calendar month of a rank: 0 → 9 (September), 11 → 8 (August)."""
    return (rank + FIRST_MONTH - 1) % 12 + 1


def rank_expr(column: str) -> pl.Expr:
    """``month_rank`` of a column of ISO dates or ``YYYY-MM`` months, as a polars expression."""
    return (pl.col(column).str.slice(5, 2).cast(pl.Int64) - FIRST_MONTH) % 12


def months(annee: str, last_rank: int = 9) -> list[str]:
    """``"2014-2015"`` → ``["2014-09", …, "2015-06"]`` (up to ``last_rank``)."""
    start = start_year(annee)
    out = []
    for rank in range(last_rank + 1):
        month = rank_month(rank)
        out.append(f"{start if month >= FIRST_MONTH else start + 1}-{month:02d}")
    return out


def same_month_last_year(month: str) -> str:
    """``"2015-03"`` → ``"2014-03"``."""
    return f"{int(month[:4]) - 1}{month[4:]}"
