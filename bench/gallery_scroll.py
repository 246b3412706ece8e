"""The gallery at 10,000 images, in headless Chromium: a user scrolls to the very end.

Each step scrolls to the bottom and waits until the next page is in the DOM and
painted (the infinite scroll in assets/gallery.js presses "Load more"); its time is
measured in the page. Reported: the first 5 and the last 5 pages, the DOM's element
count, the tab's live JS heap (CDP Performance.getMetrics after a GC) and the CSS
rule count at the start and at the end.
Target: the last pages cost at most 1.3x the first; the DOM stays bounded.

Alone, on the embedded configuration: `python -m bench.gallery_scroll`.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.gallery import TOKEN_KEY, gallery_missing_reason
from imghost.ui.state.gallery_window import SLOTS
from tests.support.browser import DESKTOP, launch

TARGET_RATIO = 1.3
NEXT_PAGE = """async (timeoutMs) => {
  const button = () => document.getElementById('load-more');
  const before = button() ? button().dataset.cursor : null;
  if (before === null) return null;  // the end
  const frame = () => new Promise(resolve => requestAnimationFrame(resolve));
  const began = performance.now();
  window.scrollTo(0, document.documentElement.scrollHeight);
  while (button() && button().dataset.cursor === before) {
    if (performance.now() - began > timeoutMs) return -1;
    await frame();
  }
  await frame();  // painted
  return performance.now() - began;
}"""


CSS_RULES = """() => Array.from(document.styleSheets)
    .reduce((n, sheet) => { try { return n + sheet.cssRules.length } catch (e) { return n } }, 0)"""


def _metrics(cdp) -> dict[str, float]:
    cdp.send("HeapProfiler.collectGarbage")  # live memory, not what a GC would free
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def measure_gallery_scroll(base_url: str, token: str, work_dir: Path, log=print) -> dict:
    reason = gallery_missing_reason()
    if reason:
        log(f"  gallery scroll: skipped, {reason}")
        return {"skipped": reason}
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            context = browser.new_context(viewport=DESKTOP, base_url=base_url)
            page = context.new_page()
            page.goto("/login")
            page.evaluate("([k, v]) => localStorage.setItem(k, v)", [TOKEN_KEY, token])
            page.goto("/")
            page.wait_for_selector("#load-more", timeout=60_000)
            cdp = context.new_cdp_session(page)
            cdp.send("Performance.enable")
            start = _metrics(cdp)
            rules_start = page.evaluate(CSS_RULES)
            start_elements = page.evaluate("document.getElementsByTagName('*').length")
            times: list[float] = []
            elements_full = 0
            tiles_seen = page.locator(".gallery-tile").count()
            began = time.monotonic()
            while True:
                took = page.evaluate(NEXT_PAGE, 30_000)
                if took is None:
                    break
                if took < 0:
                    raise RuntimeError(f"page {len(times) + 2} did not arrive in 30 s")
                times.append(took)
                if len(times) == SLOTS - 1:  # the window is full from here on
                    elements_full = page.evaluate("document.getElementsByTagName('*').length")
            walk_s = time.monotonic() - began
            end = _metrics(cdp)
            rules_end = page.evaluate(CSS_RULES)
            elements = page.evaluate("document.getElementsByTagName('*').length")
            tiles_end = page.locator(".gallery-tile").count()
            page.screenshot(path=str(work_dir / "gallery-scroll-end.png"))
            context.close()
        finally:
            browser.close()
    first, last = times[:5], times[-5:]
    ratio = statistics.median(last) / statistics.median(first)
    facts = {
        "pages": len(times) + 1, "walk_s": walk_s,
        "first_ms": first, "last_ms": last, "ratio": ratio,
        "elements_start": start_elements, "elements_end": elements,
        "dom_nodes_end": end.get("Nodes"), "tiles_end": tiles_end, "tiles_first": tiles_seen,
        "heap_start_mib": start["JSHeapUsedSize"] / 2**20,
        "heap_end_mib": end["JSHeapUsedSize"] / 2**20,
        "elements_full": elements_full, "css_rules": (rules_start, rules_end),
        # Bounded: no more elements at the end than when the window first filled up.
        "met": ratio <= TARGET_RATIO and elements <= 1.05 * elements_full,
    }
    facts["summary"] = (
        f"{facts['pages']} pages in {walk_s:.0f} s; pages 2-6 "
        f"{', '.join(f'{t:.0f}' for t in first)} ms, last 5 "
        f"{', '.join(f'{t:.0f}' for t in last)} ms (median ratio {ratio:.2f}); "
        f"DOM {start_elements} → {elements_full} (window full) → {elements} elements "
        f"at the end ({tiles_end} tiles), "
        f"JS heap {facts['heap_start_mib']:.1f} → {facts['heap_end_mib']:.1f} MiB, "
        f"CSS rules {rules_start} → {rules_end}")
    log(f"  gallery scroll: {facts['summary']}")
    return facts


def main() -> None:
    """Embedded configuration, the bench's big user (10,000 rows), one Chromium walk."""
    from bench.scenarios import token_for
    from bench.seed import seed
    from bench.servers import database_url_of, embedded_env
    from tests.support.frontend import start_app_with_pages

    work = Path(tempfile.mkdtemp(prefix="imghost-bench-gallery-"))
    env = {**embedded_env(work / "data"), "IMGHOST_RATE_LIMIT_ENABLED": "false"}
    print(f"== gallery scroll (embedded), work dir {work}", flush=True)
    server = start_app_with_pages(env, work)
    try:
        users = seed(database_url_of(server.env), server.env["IMGHOST_SITE_URL"], 0)
        measure_gallery_scroll(server.base_url, token_for(server.base_url, users["big"].username),
                               work)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
