"""The command line ``python -m dashboard.figures`` (``__main__``): the figures of one territory
written to a JSON, CSV or XLSX file. The figures are ``queries.figures``, their rendering
``dashboard.publish.figures``; nothing else lives here.
"""
