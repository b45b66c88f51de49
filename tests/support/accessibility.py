"""axe-core in Chromium (issue 28): the WCAG 2.0/2.1 A and AA rules run on a page as drawn.

axe-core is installed by the test set-up (``scripts/system-deps.sh``: ``npm ci`` of
``tests/support/axe/package-lock.json`` into ``var/axe``) and injected into the page under test by
Playwright (``add_script_tag(path=…)``): nothing is fetched, and the app itself never loads it. Each
run's violations are written to ``var/accessibility/<name>.json`` (the figures of the statement).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "var" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = ROOT / "var" / "accessibility"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

RUN_AXE = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
    return {
        version: axe.version,
        violations: result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                                      summary: (n.failureSummary || '').slice(0, 300)})),
        })),
    };
}"""


def require_axe() -> Path:
    """axe-core's script, or skip with the reason (npm absent when the set-up ran)."""
    if not AXE_JS.is_file():
        pytest.skip(f"axe-core absent ({AXE_JS.relative_to(ROOT)}) : npm n'était pas disponible pour "
                    "scripts/system-deps.sh (make system-deps, ou apt-get install npm)")
    return AXE_JS


def axe_violations(page, name: str) -> list[dict]:
    """The WCAG 2.0/2.1 A/AA violations axe-core finds on ``page`` as it is drawn now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(require_axe()))
    result = page.evaluate(RUN_AXE, WCAG_TAGS)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return result["violations"]


def describe(violations: list[dict]) -> str:
    """One line per rule and node, for an assertion's message."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nœuds) : {v['help']}")
        lines += [f"    {n['target']} — {n['html']}" for n in v["nodes"][:5]]
    return "\n".join(lines)


def node_count(violations: list[dict]) -> int:
    return sum(len(v["nodes"]) for v in violations)
