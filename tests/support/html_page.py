"""Read a server-rendered page the way an unfurler does: its meta tags, links, images."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class ParsedPage:
    meta: dict[str, str] = field(default_factory=dict)
    links: list[dict[str, str]] = field(default_factory=list)
    images: list[dict[str, str]] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)
    anchors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    title: str = ""


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        self.page.tags.append(tag)
        if tag == "meta" and ("property" in values or "name" in values):
            self.page.meta[values.get("property") or values["name"]] = values.get("content", "")
        elif tag == "link":
            self.page.links.append(values)
        elif tag == "img":
            self.page.images.append(values)
        elif tag == "input":
            self.page.inputs[values.get("id", "")] = values.get("value", "")
        elif tag == "a":
            self.page.anchors.append(values.get("href", ""))
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.page.title += data


def parse_page(html: str) -> ParsedPage:
    parser = _Parser()
    parser.feed(html)
    return parser.page
