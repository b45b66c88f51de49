"""What each hostile file of issue 30 costs (``tests/hostile_files.FILES``), validated in a fresh
process (``tests.support.hostile_probe``): time of the answer, peak memory and processor time of the reading
child (capped: ``dashboard.importer.sandbox``), peak memory of the answering process above its rest,
and what it keeps after the answer. Académie scale only (the files do not depend on the data).

``python -m bench.bench_hostile`` prints the same table on its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(url: str, path: Path) -> dict | None:
    done = subprocess.run([sys.executable, "-m", "tests.support.hostile_probe", url, str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600,
                          env={**__import__("os").environ, "_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0"})
    if done.returncode:
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(engine=None, scale: str = "academie") -> list[tuple[str, float, str]]:
    from dashboard.store import database, lifecycle
    from tests.support.hostile_files import FILES

    if scale != "academie":
        return []
    out: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'hostile.sqlite'}"
        scratch = database.make_engine(url)
        lifecycle.init_database(scratch)
        scratch.dispose()
        for name, build, _expected in FILES:
            path = Path(tmp) / name
            build(path)
            size = path.stat().st_size
            figures = measure(url, path)
            path.unlink()
            if figures is None:
                out.append((f"{name} : échec de la mesure", 0.0, ""))
                continue
            out.append((f"{name} ({size / 1024:,.0f} Ko) : réponse".replace(",", " "), figures["seconds"], "s"))
            out.append(("  … lecture (sous-processus) : pic de mémoire", figures["child_peak_mb"] or 0.0, "Mo"))
            out.append(("  … lecture (sous-processus) : temps de calcul", figures["child_cpu_seconds"] or 0.0, "s"))
            out.append(("  … processus qui répond : pic au-dessus du repos", figures["peak_mb"], "Mo"))
            out.append(("  … processus qui répond : gardé après la réponse", figures["after_mb"], "Mo"))
    return out


if __name__ == "__main__":
    for label, value, unit in run():
        print(f"  {label:<60}{value:>12,.1f} {unit}".replace(",", " "))
