"""Measure one file's validation in a fresh process: ``python -m tests.support.hostile_probe URL FILE``
(``probe`` runs it and checks the memory bounds).

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
    from dashboard.importer import sandbox, service
    from dashboard.store import database

    engine = database.make_engine(url)
    service.validate(engine, b"uai;mois;effectif;eleves_absenteistes\r\n0860001J;2015-01;500;20\r\n", "x.csv")
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
    checked = service.validate(engine, data, Path(path).name, kind)
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
    service.validate(engine, data, Path(path).name, kind)  # again: the memory is reused, not grown
    trim()
    print(json.dumps({
        "seconds": seconds, "cpu_seconds": cpu, "load": os.getloadavg()[0], "peak_mb": peak - baseline, "after_mb": after,
        "after_second_mb": rss_mb() - baseline,
        "errors": report.errors, "warnings": report.warnings, "rows": report.rows,
        "message": first[0] if first else "", "kind": report.kind,
        "child_peak_mb": child.get("peak_mb"), "child_cpu_seconds": child.get("cpu_seconds"), "cap": child.get("cap"),
    }))


MAX_PEAK_MB = 300
MAX_AFTER_MB = 250  # kept by the allocators (polars' jemalloc, Python's arenas) for the next file
MAX_LEAK_MB = 40  # growth from the first answer to the second answer to the same file
#: Polars' allocator (jemalloc) returns freed pages at once in the probe, so that the memory measured
#: after an answer is the memory still in use, not pages kept for later whose return depends on the
#: timing of a loaded machine (measured: 116 to 146 MB kept by default, 2.5 MB in use).
PROBE_ENV = {"_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0"}


def probe(url: str, path, kind: str | None = None) -> dict:
    """The probe's figures for one file, its memory bounds checked (its time is ``make bench``'s)."""
    import subprocess

    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-m", "tests.support.hostile_probe", url, str(path), *([kind] if kind else [])]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **PROBE_ENV})
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["peak_mb"] <= MAX_PEAK_MB, result
    assert result["after_mb"] <= MAX_AFTER_MB, result
    assert result["after_second_mb"] - result["after_mb"] <= MAX_LEAK_MB, result
    return result


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
