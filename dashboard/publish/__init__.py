"""Published figures: one declaration per column, one renderer per channel.

* ``columns`` — ``Kind``, ``Column``, ``Table`` (values + disclosure marks);
* ``catalog`` — the declarations of every published column (raccrochage, absenteeism,
  comparison, map, figures export);
* ``text`` — French text of a value or a masked cell (page, deck tables and tiles);
* ``keyfigures`` — the key-figure tiles of a territory, for Accueil, the Dialogue page and the deck;
* ``screen`` — ``st.dataframe`` Styler; ``csvfile`` — CSV; ``workbook`` — XLSX with « Notes »;
* ``provenance`` — source, data date, secrecy rule and demonstration notice of a file.

The package's modules are imported by name (``from dashboard.publish import columns``).
"""
