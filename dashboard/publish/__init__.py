"""Published figures: one declaration per column, one renderer per channel.

* ``columns`` — ``Kind``, ``Column``, ``Table`` (values + disclosure marks);
* ``catalog`` — the declarations of every published column (raccrochage, absenteeism,
  comparison, map, figures export);
* ``text`` — French text of a value or a masked cell (page, deck tables and tiles);
* ``keyfigures`` — the key-figure tiles of a territory, for Accueil, the Dialogue page and the deck;
* ``screen`` — ``st.dataframe`` Styler; ``csvfile`` — CSV; ``workbook`` — XLSX with « Notes »;
* ``provenance`` — source, data date, secrecy rule and demonstration notice of a file.
"""

from dashboard.publish.columns import Column, Kind, Table, column_map, table  # noqa: F401
from dashboard.publish.csvfile import csv_bytes  # noqa: F401
from dashboard.publish.provenance import Provenance  # noqa: F401
from dashboard.publish.text import cell_text, rounded, value_text  # noqa: F401
from dashboard.publish.workbook import xlsx_bytes  # noqa: F401
