"""The app as a server for the browser tests: ``streamlit run dashboard/app.py`` on a port of this test
process's own range (``port_range``: parallel workers never race for one), waited for until its health
endpoint answers, stopped afterwards."""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PORTS_PER_WORKER = 400
_next_port = itertools.count()


def port_range() -> range:
    """This test process's ports: pytest-xdist worker ``gwN`` takes the N-th range of its own."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    start = 20_000 + index * PORTS_PER_WORKER
    return range(start, start + PORTS_PER_WORKER)


def free_port() -> int:
    """A port of this process's range that nothing listens on."""
    ports = port_range()
    for _ in range(len(ports)):
        port = ports[next(_next_port) % len(ports)]
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports}")


@contextlib.contextmanager
def streamlit_server(database_url: str, extra_env: dict[str, str] | None = None, extra_args: list[str] | None = None):
    """Run ``streamlit run dashboard/app.py`` on a free port; yields the base URL."""
    port = free_port()
    env = {**os.environ, "DASHBOARD_DATABASE_URL": database_url, **(extra_env or {})}
    log_path = ROOT / "var" / f"streamlit-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", *(extra_args or [])],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(base, proc, log_path)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_until_healthy(base: str, proc: subprocess.Popen, log_path: Path, timeout: float = 90) -> None:
    """Poll the server's health endpoint until it answers (the process started listening)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if urllib.request.urlopen(base + "/_stcore/health", timeout=2).status == 200:
                return
        if proc.poll() is not None:
            raise RuntimeError(log_path.read_text())
        time.sleep(0.1)  # polling interval of a readiness probe, not a wait for the app
    raise RuntimeError(f"streamlit did not start in {timeout:.0f} s")
