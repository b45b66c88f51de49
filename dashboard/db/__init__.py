"""The command line ``python -m dashboard.db`` (``__main__``): create or upgrade a database.

Nothing else lives here: the schema and the engine are ``dashboard.store``. As a command line it may
import the store, the académie and the demonstration data (``dashboard.demo``).
"""
