"""The app's pages: Streamlit scripts registered by path and ``url_path`` in ``dashboard.ui.registry``
and run by ``dashboard/app.py``. A page is thin: ``ui.page_context``, ``ui.query`` of ``queries``,
then ``dashboard.charts`` / ``dashboard.publish`` to draw. May import anything but another page and
the demonstration data.
"""
