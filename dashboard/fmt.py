"""French formatting for every figure the user reads: "1 234", "1 234,5", "12,3 %", months.

The thousands separator is a narrow no-break space (U+202F), as typeset French expects;
it never breaks a number across lines.
"""

from __future__ import annotations

import datetime as dt
import math
from numbers import Real
from zoneinfo import ZoneInfo

THOUSANDS = "\u202f"
NBSP = "\u00a0"
MISSING = "—"
#: Every date and time a user reads is in Paris time (the database keeps UTC).
PARIS = ZoneInfo("Europe/Paris")

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
MONTHS_SHORT = (
    "janv.", "févr.", "mars", "avr.", "mai", "juin",
    "juil.", "août", "sept.", "oct.", "nov.", "déc.",
)  # fmt: skip


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: Real | None, decimals: int = 0) -> str:
    """``1234.5`` → ``"1 234,5"`` (with ``decimals=1``); None/NaN → ``"—"``."""
    if _is_missing(value):
        return MISSING
    text = f"{value:,.{decimals}f}"
    if text in {"-0", "-0.0", "-0.00"}:
        text = text[1:]
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", THOUSANDS)


def integer(value: Real | None) -> str:
    return number(value, 0)


def percent(fraction: Real | None, decimals: int = 1) -> str:
    """A fraction as a French rate: ``0.123`` → ``"12,3 %"``."""
    if _is_missing(fraction):
        return MISSING
    return f"{number(fraction * 100, decimals)}{NBSP}%"


def signed_number(value: Real | None, decimals: int = 0) -> str:
    """``+1 234`` / ``−56`` (true minus sign)."""
    if _is_missing(value):
        return MISSING
    text = number(abs(value), decimals)
    if round(value, decimals) == 0:
        return text
    return ("+" if value > 0 else "−") + text


def signed_points(delta_fraction: Real | None, decimals: int = 1) -> str:
    """A difference of two rates in percentage points: ``0.012`` → ``"+1,2 pt"``."""
    if _is_missing(delta_fraction):
        return MISSING
    return f"{signed_number(delta_fraction * 100, decimals)}{NBSP}pt"


def signed_percent(fraction: Real | None, decimals: int = 1) -> str:
    """A relative change: ``0.052`` → ``"+5,2 %"``."""
    if _is_missing(fraction):
        return MISSING
    return f"{signed_number(fraction * 100, decimals)}{NBSP}%"


def month_name(month: int, short: bool = False) -> str:
    return (MONTHS_SHORT if short else MONTHS)[month - 1]


def month_label(ym: str, short: bool = False) -> str:
    """``"2014-01"`` → ``"janvier 2014"``."""
    year, month = ym.split("-")[:2]
    return f"{month_name(int(month), short)} {year}"


def date_long(value: dt.date | str | None) -> str:
    """``2014-10-31`` → ``"31 octobre 2014"`` (``"1er"`` for the first of the month)."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def date_short(value: dt.date | str | None) -> str:
    """``2014-10-31`` → ``"31/10/2014"``."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def paris_time(value: dt.datetime | str | None) -> dt.datetime | None:
    """A moment stored by the app (UTC, naive on SQLite, or an ISO text) in Paris time."""
    if _is_missing(value) or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(PARIS)


def date_time(value: dt.datetime | str | None, long: bool = False) -> str:
    """A moment in Paris time, in French: ``"06/12/2026 à 15:22"``, or ``"6 décembre 2026 à 15:22"``
    with ``long`` (``"—"`` when missing). The one format of every date and time shown."""
    local = paris_time(value)
    if local is None:
        return MISSING
    day = date_long(local.date()) if long else local.strftime("%d/%m/%Y")
    return f"{day} à {local:%H:%M}"


def plotly_locale_separators() -> str:
    """Plotly ``separators`` for French: decimal comma, thin space for thousands."""
    return "," + THOUSANDS
