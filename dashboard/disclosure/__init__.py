"""Statistical disclosure control (DESIGN §5): the rule, the marks, the suppression and the audit.

* ``rule`` — the threshold, primary masks of small counts, rates built on masked counts,
  secondary suppression inside one table;
* ``marks`` — how a masked cell is marked in every channel: « < 5 » for a small count (primary),
  « s » for a cell masked to protect another one (secondary, and figures derived from a masked
  count);
* the cross-table suppression and its audit live beside (``queries.raccrochage_suppression``,
  ``dashboard.disclosure.audit``).
"""

from dashboard.disclosure.marks import (  # noqa: F401
    PRIMARY,
    SECONDARY,
    SECONDARY_LABEL,
    decode_marks,
    encode_marks,
    legend,
    mark_text,
    short_legend,
)
from dashboard.disclosure.rule import (  # noqa: F401
    DEFAULT_THRESHOLD,
    ENV_THRESHOLD,
    format_count,
    is_small,
    mask_rate,
    mask_small_counts,
    masked_label,
    suppress_cells,
    suppress_column_cells,
    suppress_row_cells,
    suppress_table,
    threshold,
)
