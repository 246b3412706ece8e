"""axe-core audits in Chromium: WCAG 2.1 A and AA rules, contrast included.

axe-core comes from the npm registry (tests/a11y/package.json, installed on first use);
it is injected as a script tag, so the context needs bypass_csp=True (our pages' CSP
rightly refuses scripts it does not know).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from playwright.sync_api import Page

TOOLS = Path(__file__).resolve().parents[1] / "a11y"
AXE = TOOLS / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_script() -> Path:
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install axe-core for the accessibility audits")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=TOOLS, check=True,
                       capture_output=True, timeout=300)
    return AXE


def audit(page: Page) -> list[str]:
    """Every violation on the page as 'rule: target (summary)'; [] when it passes."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script()))
    result = page.evaluate("r => axe.run(document, {runOnly: r})", RULES)
    return [f"{v['id']}: {node['target']} ({node.get('failureSummary', '')[:200]})"
            for v in result["violations"] for node in v["nodes"]]
