"""Entrypoint: ``streamlit run dashboard/app.py``.

Pages are registered by absolute path with an explicit ``url_path`` (docs/architecture.md, "Pages"): the entrypoint
lives in ``dashboard/`` so Streamlit's legacy ``pages/`` discovery never switches on. The app
itself is ``ui.run_app``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard.ui import page as ui  # noqa: E402

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

ui.run_app()
