"""La lettre de la MLDS: a periodic letter generated from each bimonthly bilan, edited in
the app, published once and frozen, archived, and sent to each reader within their scope.

* ``content`` — one territory seen with one scope, from the published figures and the deck's sentences;
* ``letter`` — the whole letter (``compose``), the period rule, what one reader receives (``view``);
* ``layout`` — the sections in reading order, drawn by ``html`` (file, e-mail, plain text) and ``pdf``
  (Typst); ``charts`` — the two charts with their text alternative;
* ``store`` — drafts, editorial blocks, publication, archive; ``recipients`` — the recipients file;
* ``sending`` — SMTP relay or ``.eml`` dry run, one message per recipient, recorded and audited.

CLI: ``python -m dashboard.lettre --help``.
"""
