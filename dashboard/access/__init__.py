"""Who may see what: roles and territorial scopes (``scope``), identities from the reverse proxy or
the users file (``auth``), the audit log of views, exports and refusals (``audit``). Core, no
Streamlit; the Streamlit side of access is ``dashboard.ui.access``, the command line
``python -m dashboard.auth``.

May import: ``dashboard.store``, ``dashboard.cli``, ``geodata``. Never ``queries``, publishing,
the Streamlit side, pages or the demonstration data.
"""
