"""``python -m dashboard.importer FILE [--kind KIND] [--database-url URL] [--dry-run]``."""

import sys

from dashboard.importer.cli import main

sys.exit(main())
