"""Statistical disclosure control (docs/architecture.md, "Rules across the layers"): the rule, the marks, the suppression and the audit.

* ``rule`` — the threshold, primary masks of small counts, rates built on masked counts,
  secondary suppression inside one table;
* ``marks`` — how a masked cell is marked in every channel: « < 5 » for a small count (primary),
  « s » for a cell masked to protect another one (secondary, and figures derived from a masked
  count);
* ``cells`` — every published value as a sum of unknown flows; ``suppression`` — the cross-table
  suppression; ``audit`` (with ``bounds`` and ``locality``) — can a masked value be recomputed;
  the decisions of each subject are taken in ``queries/*_suppression.py``.

The package's modules are imported by name (``from dashboard.disclosure import marks``).
"""
