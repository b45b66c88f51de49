"""Where a test run's time goes: each worker's timeline, written when ``DASHBOARD_TEST_TIMELINE`` names
a folder (one JSON-lines file per worker: test, start, end, CPU seconds of the worker).

``python -m tests.support.timeline FOLDER`` prints each worker's busy and idle time, the time per
module (wall and CPU) and the slowest tests. Nothing is written when the variable is unset.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

FOLDER = os.environ.get("DASHBOARD_TEST_TIMELINE")


def _children_cpu() -> float:
    """CPU seconds of this process and of its children already waited for (servers, LibreOffice…)."""
    usage = os.times()
    return usage.user + usage.system + usage.children_user + usage.children_system


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if not FOLDER:
        yield
        return
    started, cpu = time.time(), _children_cpu()
    yield
    record = {"test": item.nodeid, "start": started, "end": time.time(), "cpu": _children_cpu() - cpu}
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    Path(FOLDER).mkdir(parents=True, exist_ok=True)
    with open(Path(FOLDER) / f"{worker}.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


def report(folder: Path) -> None:
    runs = {path.stem: [json.loads(line) for line in path.read_text().splitlines()] for path in folder.glob("*.jsonl")}
    first = min(r["start"] for rows in runs.values() for r in rows)
    last = max(r["end"] for rows in runs.values() for r in rows)
    print(f"run: {last - first:.0f} s from the first test to the last")
    for worker, rows in sorted(runs.items()):
        busy = sum(r["end"] - r["start"] for r in rows)
        cpu = sum(r["cpu"] for r in rows)
        print(f"{worker}: {len(rows)} tests, busy {busy:.0f} s, CPU {cpu:.0f} s, "
              f"from {min(r['start'] for r in rows) - first:.0f} s to {max(r['end'] for r in rows) - first:.0f} s")
    modules: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for rows in runs.values():
        for r in rows:
            entry = modules[r["test"].split("::")[0]]
            entry[0] += r["end"] - r["start"]
            entry[1] += r["cpu"]
            entry[2] += 1
    print("\nmodule                                              tests   wall s    CPU s")
    for name, (wall, cpu, count) in sorted(modules.items(), key=lambda kv: -kv[1][0])[:30]:
        print(f"{name:<52}{count:>5}{wall:>9.0f}{cpu:>9.0f}")
    print("\nslowest tests (wall s, CPU s)")
    every = sorted((r for rows in runs.values() for r in rows), key=lambda r: r["start"] - r["end"])
    for r in every[:15]:
        print(f"{r['end'] - r['start']:>7.1f}{r['cpu']:>7.1f}  {r['test']}")


if __name__ == "__main__":
    report(Path(sys.argv[1]))
