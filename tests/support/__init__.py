"""What the tests share: fixtures (registered once, in ``tests/conftest.py``) and helpers.

* ``databases`` / ``fixtures`` — templates built once per code version and copied per test;
* ``apptest`` / ``page_harness`` — one AppTest run per page test;
* ``browser`` — a Streamlit server and a Chromium per test process, waits on the app's state;
* ``libreoffice`` — every exported file converted by one LibreOffice call per format and run;
* ``cli`` — command lines called in-process through their ``main(argv)``;
* the rest — helpers of one family of tests (access, decks, importer files, migrations, hostile
  names, the production topology).
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
