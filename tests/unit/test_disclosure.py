"""Statistical disclosure: primary masking, secondary suppression, rates, zeros, threshold."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.disclosure import rule as disclosure_rule
from tests.support.disclosure import mask_small_counts


@pytest.fixture(autouse=True)
def _default_threshold(monkeypatch):
    monkeypatch.delenv(disclosure_rule.ENV_THRESHOLD, raising=False)


def _compositions(rest: int, parts: int):
    if parts == 0:
        if rest == 0:
            yield ()
        return
    for first in range(1, rest - parts + 2):
        for tail in _compositions(rest - first, parts - 1):
            yield (first, *tail)


def _naive(cells, limit=5):
    return [None if disclosure_rule.is_small(v, limit) else v for v in cells]


def _solutions(total: int, shown: list[int | None], limit: int = 5, rule=disclosure_rule.suppress_cells) -> set[tuple[int, ...]]:
    """What an attacker who knows the rule can compute from the published cells and total: every
    assignment of the masked cells (non-zero, since zeros are shown) that the rule would have
    published exactly this way."""
    masked = [i for i, v in enumerate(shown) if v is None]
    rest = total - sum(v for v in shown if v is not None)
    out = set()
    for combo in _compositions(rest, len(masked)):
        candidate = list(shown)
        for i, v in zip(masked, combo, strict=True):
            candidate[i] = v
        if rule(candidate, limit) == list(shown):
            out.add(combo)
    return out


# --- primary masking -----------------------------------------------------------------------------


def test_counts_under_threshold_are_masked():
    frame = pl.DataFrame({"uai": ["A", "B", "C", "D"], "n": [4, 5, 1, 120]})
    out = mask_small_counts(frame, ["n"])
    assert out["n"].to_list() == [None, 5, None, 120]
    assert out["uai"].to_list() == ["A", "B", "C", "D"]


def test_zeros_stay_visible():
    frame = pl.DataFrame({"n": [0, 0, 3, 7]})
    assert mask_small_counts(frame, ["n"])["n"].to_list() == [0, 0, None, 7]
    assert disclosure_rule.suppress_cells([0, 12, 0, 9]) == [0, 12, 0, 9]
    assert not disclosure_rule.is_small(0) and disclosure_rule.is_small(1) and disclosure_rule.is_small(4) and not disclosure_rule.is_small(5)
    assert not disclosure_rule.is_small(None)


def test_masked_label_and_format():
    assert disclosure_rule.masked_label() == "< 5"
    assert disclosure_rule.format_count(None, True) == "< 5"
    assert disclosure_rule.format_count(1234, False) == "1\u202f234"


# --- secondary suppression -----------------------------------------------------------------------


def test_naive_masking_would_leak_from_the_total():
    """Total 45 shown, all cells but one shown: naive masking gives 3 back by subtraction."""
    cells = [3, 12, 30]
    total = sum(cells)
    naive = _naive(cells)
    assert _solutions(total, naive, rule=_naive) == {(3,)}  # the leak
    protected = disclosure_rule.suppress_cells(cells)
    assert protected == [None, None, 30]  # the smallest other cell is masked too
    assert len(_solutions(total, protected)) > 1
    assert (3, 12) in _solutions(total, protected)


def test_secondary_suppression_skips_zeros():
    assert disclosure_rule.suppress_cells([2, 0, 8, 40]) == [None, 0, None, 40]


def test_two_primary_cells_that_pin_each_other_get_a_third():
    # 1 + 1 = 2 with both cells non-zero: each must be 1; same for 4 + 4 = 8 under 5
    for cells in ([1, 1, 20], [4, 4, 30, 6]):
        out = disclosure_rule.suppress_cells(cells)
        assert len(_solutions(sum(cells), out)) > 1, (cells, out)
    assert disclosure_rule.suppress_cells([2, 3, 40]) == [None, None, 40]  # 2 + 3: several splits, enough


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=14), min_size=2, max_size=5))
def test_no_masked_cell_can_be_recomputed(cells):
    out = disclosure_rule.suppress_cells(cells)
    for v, kept in zip(cells, out, strict=True):
        assert kept is None or kept == v
        assert kept is not None or v > 0  # zeros are never masked
        if disclosure_rule.is_small(v):
            assert kept is None
    masked = [i for i, v in enumerate(out) if v is None]
    if not masked:
        return
    rest = sum(cells) - sum(v for v in out if v is not None)
    exhausted = all(v in (None, 0) for v in out)
    if rest < disclosure_rule.DEFAULT_THRESHOLD or exhausted:
        return  # the total itself is small, or nothing is left to mask: the total must be masked
    # interval attack (as in τ-Argus): masked cells are non-zero and add up to the total minus the
    # shown cells; a cell is recomputed when its feasible range is one value
    low = 1
    high = rest - (len(masked) - 1)
    assert high > low, (cells, out)
    # an attacker who also knows that every masked cell is under the threshold learns nothing exact
    if all(disclosure_rule.is_small(cells[i]) for i in masked):
        assert not (rest == len(masked) * (disclosure_rule.DEFAULT_THRESHOLD - 1)), (cells, out)


def test_row_and_column_helpers():
    frame = pl.DataFrame({"a": [3, 20], "b": [12, 2], "c": [30, 25]})
    rows = disclosure_rule.suppress_row_cells(frame, ["a", "b", "c"])
    assert rows.row(0) == (None, None, 30) and rows.row(1) == (None, None, 25)
    column = disclosure_rule.suppress_column_cells(pl.DataFrame({"n": [3, 9, 50]}), "n")
    assert column["n"].to_list() == [None, None, 50]


def test_two_way_table_is_protected_along_rows_and_columns():
    frame = pl.DataFrame({"a": [3, 10, 20], "b": [10, 12, 30], "c": [15, 40, 8]})
    out = disclosure_rule.suppress_table(frame, ["a", "b", "c"])
    grid = [list(r) for r in out.iter_rows()]
    for line in grid + [list(c) for c in zip(*grid, strict=True)]:
        assert sum(v is None for v in line) != 1, grid
    assert grid[0][0] is None


# --- rates ---------------------------------------------------------------------------------------


def test_rates_on_small_bases_are_masked():
    frame = pl.DataFrame({
        "absents": [2, 10, 0, 6, 3],
        "effectif": [40, 4, 3, 200, 300],
    }).with_columns((pl.col("absents") / pl.col("effectif")).alias("taux"))
    out = disclosure_rule.mask_rate(frame, "taux", "absents", "effectif")
    taux = out["taux"].to_list()
    assert taux[0] is None  # numerator 2
    assert taux[1] is None  # base 4
    assert taux[2] is None  # base 3, even with a zero numerator
    assert taux[3] == pytest.approx(0.03)
    assert taux[4] is None  # numerator 3


def test_rate_of_an_already_masked_count_is_masked():
    frame = pl.DataFrame({"n": [3, 50], "base": [100, 100]}).with_columns((pl.col("n") / pl.col("base")).alias("t"))
    masked_counts = mask_small_counts(frame, ["n"])
    out = disclosure_rule.mask_rate(masked_counts, "t", "n", "base")
    assert out["t"].to_list() == [None, 0.5]


# --- threshold -----------------------------------------------------------------------------------


def test_threshold_from_environment(monkeypatch):
    assert disclosure_rule.threshold() == 5
    monkeypatch.setenv(disclosure_rule.ENV_THRESHOLD, "11")
    assert disclosure_rule.threshold() == 11
    assert disclosure_rule.masked_label() == "< 11"
    assert disclosure_rule.is_small(10) and not disclosure_rule.is_small(11)
    assert mask_small_counts(pl.DataFrame({"n": [7, 11]}), ["n"])["n"].to_list() == [None, 11]
    assert disclosure_rule.suppress_cells([7, 30, 40]) == [None, None, 40]


@pytest.mark.parametrize("value", ["", "0", "-3", "cinq", "2.5"])
def test_invalid_threshold_falls_back_to_default(monkeypatch, value):
    monkeypatch.setenv(disclosure_rule.ENV_THRESHOLD, value)
    assert disclosure_rule.threshold() == 5


def test_explicit_limit_overrides_environment(monkeypatch):
    monkeypatch.setenv(disclosure_rule.ENV_THRESHOLD, "11")
    assert disclosure_rule.suppress_cells([7, 30, 40], limit=5) == [7, 30, 40]
