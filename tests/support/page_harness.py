"""AppTest entry point: the app's own (``ui.run_app``) with the page under test served at « / »,
so that one script run draws it (``PILOTAGE_TEST_PAGE``: its ``url_path``, empty for Accueil).
The shared selection comes from the query parameters the test sets, as from a shared address."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard.ui import page as ui  # noqa: E402

ui.run_app(default_page=os.environ.get("PILOTAGE_TEST_PAGE", ""))
