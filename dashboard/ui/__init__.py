"""The Streamlit side: the only package (with ``dashboard/app.py`` and ``pages/``) that imports Streamlit.

* ``context`` — the selection a page runs on (``PageContext``);
* ``page`` — the page kit pages call: ``page_context`` (scope, year, territory from the sidebar and
  the URL), ``query`` (cached queries), errors in French, ``run_app`` / ``run_page``;
* ``data`` — the app's engine (the embedded database created, upgraded and filled with
  demonstration data on first start), the data version, the query cache;
* ``access`` — identity of the session, « Accès non autorisé », audit of views and exports;
* ``downloads`` — every download button; ``charts`` — Plotly charts with their table;
* ``french`` — the interface in French (stylesheet, Streamlit's English strings, the page-not-found
  message); ``uploads`` — the guard on uploaded files; ``registry`` — every page and its URL.

May import: everything below it (``queries``, ``dashboard.publish``, ``charts``, ``slides``,
``lettre``, ``importer``, ``access``, ``store``, the core), and ``dashboard.demo`` in ``data`` only
(first start of the embedded database). Imported only by ``dashboard/app.py`` and ``pages/``.
Modules of this package never import ``dashboard.ui.page`` (the page kit is the top of the package).
"""
