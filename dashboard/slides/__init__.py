"""Slide decks for the dialogue de gestion (python-pptx; core, no Streamlit).

* ``content.gather(conn, scope, code, annee)`` — the deck's content (scope checked, disclosure applied);
* ``deck.render(content, template=None)`` — the PPTX bytes (16:9, native editable charts);
* ``build.build_deck(conn, scope, code, annee, template=None)`` — both in one call;
* ``workbook.xlsx_bytes(content)`` — the figures behind the deck, one sheet per slide.

CLI: ``python -m dashboard.slides --help``. The package's modules are imported by name
(``from dashboard.slides import deck``).
"""
