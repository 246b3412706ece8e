"""Debian's Chromium driven by Playwright, with console errors collected per page."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field

from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str:
    found = shutil.which("chromium") or "/usr/bin/chromium"
    return found


def launch(playwright: Playwright) -> Browser:
    # Never `playwright install`: it downloads, and these machines are offline.
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


@dataclass
class ConsoleLog:
    """Every console error and uncaught page error seen by the pages it watches."""

    errors: list[str] = field(default_factory=list)
    # Errors a test provokes on purpose (e.g. a cut connection); nothing else passes.
    expected: list[re.Pattern] = field(default_factory=list)

    def expect_error(self, pattern: str) -> None:
        self.expected.append(re.compile(pattern))

    def _add(self, text: str) -> None:
        if not any(pattern.search(text) for pattern in self.expected):
            self.errors.append(text)

    def watch(self, page: Page) -> Page:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self._add(f"pageerror: {error}"))
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self._add(f"console.error: {message.text} @ {message.location}")
