"""Measure one file's validation in a fresh process: ``python -m tests.hostile_probe URL FILE``.

Prints one JSON line: seconds (wall clock), CPU seconds of the process (all threads: on an idle
2-core machine the wall clock is at most that; on a shared one it is what the file costs), load
average, resident memory growth at the peak and after the answer (MB, from
a baseline taken once the importer has already read a small file), after a second validation of the same file (kept memory is reused,
not leaked), errors, first message, and what the reading cost in its capped child process (peak resident
memory, CPU seconds, the cap reached if any: ``dashboard.importer.sandbox``). Used by
``tests/test_importer_hostile.py`` so that a runaway file cannot take the test process down.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import sys
import threading
import time
from pathlib import Path


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def trim() -> None:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass


def main(url: str, path: str, kind: str | None = None) -> None:
    from dashboard import db, importer
    from dashboard.importer import sandbox

    engine = db.make_engine(url)
    importer.validate(engine, b"uai;mois;effectif;eleves_absenteistes\r\n0860001J;2015-01;500;20\r\n", "x.csv")
    data = Path(path).read_bytes()
    trim()
    baseline = rss_mb()
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_mb())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started, cpu = time.perf_counter(), time.process_time()
    checked = importer.validate(engine, data, Path(path).name, kind)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    done.set()
    sampler.join()
    peak = max(peak, rss_mb())
    report = checked.report
    child = dict(sandbox.last_stats)  # the reading's child process (issue 30): its own peak and CPU time
    first = report.issues["explication"].to_list()[:1]
    del checked
    trim()
    after = rss_mb() - baseline
    importer.validate(engine, data, Path(path).name, kind)  # again: the memory is reused, not grown
    trim()
    print(json.dumps({
        "seconds": seconds, "cpu_seconds": cpu, "load": os.getloadavg()[0], "peak_mb": peak - baseline, "after_mb": after,
        "after_second_mb": rss_mb() - baseline,
        "errors": report.errors, "warnings": report.warnings, "rows": report.rows,
        "message": first[0] if first else "", "kind": report.kind,
        "child_peak_mb": child.get("peak_mb"), "child_cpu_seconds": child.get("cpu_seconds"), "cap": child.get("cap"),
    }))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
