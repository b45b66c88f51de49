"""The command line ``python -m dashboard.auth`` (``__main__``): load or list the users, write the
proxy's secret. Nothing else lives here: identities, roles and scopes are ``dashboard.access``.
"""
