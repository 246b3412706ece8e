"""How sizes and links read for people: shared by the UI and the server-rendered pages."""

from __future__ import annotations


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value, unit = size / 1024, "KB"
    for bigger in ("MB", "GB", "TB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def markdown_alt(filename: str) -> str:
    """Square brackets would end a Markdown image's alt text early."""
    return filename.replace("[", "(").replace("]", ")")


def markdown_link(filename: str, url: str) -> str:
    return f"![{markdown_alt(filename)}]({url})"


def utc_label(moment) -> str:
    """A moment as every page shows it: "2026-11-29 10:54 UTC"."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")
