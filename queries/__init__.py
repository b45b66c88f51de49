"""The data-access and domain-rules layer: every published figure leaves ``queries`` with its value,
rounding, secrecy mark and year status decided; pages, decks and files only render it.

* the school-year calendar, territory membership, the status vocabulary (``statuses``);
* one module per subject (``raccrochage*``, ``absenteisme*``, ``prevention*``, ``carte*``,
  ``comparer*``, ``donnees``, ``territoires``) and the figures of one territory (``figures``);
* the cross-table secrecy decisions (``*_suppression``), remembered in the database through
  ``secret_store`` — the only writing done here, by named store functions.

May import: the core (``dashboard.store``, ``dashboard.access``, ``dashboard.disclosure``,
``dashboard.academie``, ``dashboard.fmt``, ``geodata``). Never Streamlit, the publishing side
(``dashboard.publish``, ``charts``, ``slides``, ``lettre``), the importer, pages or the
demonstration data (``pyproject.toml``, import-linter). SQL through SQLAlchemy with bound parameters.
"""
