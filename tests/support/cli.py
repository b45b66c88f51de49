"""Command lines called in-process, through their ``main(argv)``: what a user would see on the
terminal (exit code, standard output and error) without starting a Python process each time.

``run_cli("dashboard.importer", "fichier.csv", "--dry-run", env={...})`` returns a
``subprocess.CompletedProcess``-like result: an uncaught exception is written to standard error
as Python would (« Traceback … ») with exit code 1, so that a test asserting "no traceback"
keeps its meaning. Each command keeps one test that runs it as a real subprocess (``run_subprocess``).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

from queries import absenteisme_suppression as absence_secrecy
from queries import prevention_suppression as prevention_secrecy
from queries import raccrochage_suppression as secrecy

ROOT = Path(__file__).resolve().parents[2]

#: ``python -m`` name → the module holding ``main(argv)``.
ENTRY_POINTS = {
    "dashboard.importer": "dashboard.importer.cli",
    "dashboard.slides": "dashboard.slides.__main__",
    "dashboard.disclosure": "dashboard.disclosure.__main__",
    "dashboard.figures": "dashboard.figures.__main__",
    "dashboard.db": "dashboard.db.__main__",
    "dashboard.demo": "dashboard.demo.__main__",
    "dashboard.auth": "dashboard.auth.__main__",
    "dashboard.lettre": "dashboard.lettre.__main__",
}


@contextlib.contextmanager
def environment(env: dict[str, str] | None) -> Iterator[None]:
    """``os.environ`` replaced by ``env`` (when given) for the duration of the call."""
    if env is None:
        yield
        return
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class _Stream(io.StringIO):
    """A text stream with the ``buffer`` of a real one (for code writing bytes to stdout)."""

    def __init__(self) -> None:
        super().__init__()
        self.buffer = io.BytesIO()

    def text(self) -> str:
        return self.getvalue() + self.buffer.getvalue().decode("utf-8", "replace")


def fresh_process_memos() -> None:
    """Forget the secrecy decisions this process remembered, as a new ``python -m`` process starts
    without them: a command then reads the decisions stored in its database (a test that alters
    them sees the command act on what it wrote, not on what an earlier test of this worker decided)."""
    for memo in (secrecy, absence_secrecy, prevention_secrecy):
        memo.clear_memo()


def run_cli(module: str, *args: str, env: dict[str, str] | None = None, **_ignored) -> subprocess.CompletedProcess:
    """``python -m module args…``, in this process: with a new process's empty memos, and what the
    command remembered forgotten when it ends, as a process's memory ends with it (a command run on an
    altered copy of a database must not leave its decisions to the next test of this worker)."""
    main = importlib.import_module(ENTRY_POINTS[module]).main
    fresh_process_memos()
    out, err = _Stream(), _Stream()
    argv = [str(a) for a in args]
    with environment(env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's usage errors, explicit exits
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if exc.code is not None and not isinstance(exc.code, int):
                print(exc.code, file=sys.stderr)
        except Exception:  # what the interpreter would print, exit code 1
            traceback.print_exc(file=sys.stderr)
            code = 1
        finally:
            fresh_process_memos()
    return subprocess.CompletedProcess([sys.executable, "-m", module, *argv], code or 0, out.text(), err.text())


def run_subprocess(module: str, *args: str, env: dict[str, str] | None = None,
                   timeout: float = 600) -> subprocess.CompletedProcess:
    """``python -m module args…`` as a real process (one smoke test per command)."""
    return subprocess.run([sys.executable, "-m", module, *[str(a) for a in args]], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
