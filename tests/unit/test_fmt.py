"""French formatting."""

import datetime as dt

from dashboard import fmt, schoolyear

NNBSP = "\u202f"
NBSP = "\u00a0"


def test_numbers():
    assert fmt.integer(1234) == f"1{NNBSP}234"
    assert fmt.number(1234.5, 1) == f"1{NNBSP}234,5"
    assert fmt.integer(None) == "—"
    assert fmt.integer(float("nan")) == "—"
    assert fmt.number(-0.04, 1) == "0,0"


def test_rates():
    assert fmt.percent(0.123) == f"12,3{NBSP}%"
    assert fmt.percent(1) == f"100,0{NBSP}%"
    assert fmt.signed_points(0.012) == f"+1,2{NBSP}pt"
    assert fmt.signed_points(-0.012) == f"−1,2{NBSP}pt"
    assert fmt.signed_number(-56) == "−56"
    assert fmt.signed_percent(0.052) == f"+5,2{NBSP}%"


def test_dates_and_months():
    assert fmt.month_label("2014-02") == "février 2014"
    assert fmt.month_label("2014-12", short=True) == "déc. 2014"
    assert fmt.date_long("2014-10-01") == "1er octobre 2014"
    assert fmt.date_long(dt.date(2015, 8, 31)) == "31 août 2015"
    assert fmt.date_short("2015-02-28") == "28/02/2015"


def test_school_years():
    assert schoolyear.school_year(2014) == "2014-2015"
    assert schoolyear.school_year_of("2014-09-01") == "2014-2015"
    assert schoolyear.school_year_of("2015-08-31") == "2014-2015"
    assert schoolyear.school_year_of("2015-01") == "2014-2015"


def test_date_time_is_french_in_paris_time():
    """Issue 25, item 7: one format for every moment shown, in Paris time (stored in UTC)."""
    assert fmt.date_time("2026-12-06 14:22:02") == "06/12/2026 à 15:22"  # winter: UTC+1
    assert fmt.date_time("2026-07-06 14:22:02", long=True) == "6 juillet 2026 à 16:22"  # summer: UTC+2
    assert fmt.date_time(dt.datetime(2026, 12, 1, 7, 5, tzinfo=dt.UTC), long=True) == "1er décembre 2026 à 08:05"
    assert fmt.date_time(None) == fmt.MISSING
