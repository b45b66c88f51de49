"""A frame's counts masked by the threshold alone (primary masking, ``disclosure.rule.is_small``'s
rule on a whole column): the reference the unit tests of the rule compare with."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from dashboard.disclosure.rule import threshold


def mask_small_counts(frame: pl.DataFrame, columns: Sequence[str], limit: int | None = None) -> pl.DataFrame:
    """Replace counts under the threshold by null in ``columns`` (primary suppression)."""
    limit = limit or threshold()
    return frame.with_columns(
        [pl.when((pl.col(c) > 0) & (pl.col(c) < limit)).then(None).otherwise(pl.col(c)).alias(c) for c in columns]
    )
