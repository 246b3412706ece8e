"""The gallery's page slots and address, without a browser."""

from __future__ import annotations

from imghost.ui.state.gallery_url import GalleryAddress
from imghost.ui.state.gallery_window import SLOTS, PageWindow


def test_slots_are_reused_farthest_page_first():
    window = PageWindow()
    placed = [window.place_below(f"a{n}", f"b{n}") for n in range(SLOTS)]
    assert [dropped for _, dropped in placed] == [None] * SLOTS
    assert window.newer_cursor == "a0" and window.older_cursor == f"b{SLOTS - 1}"
    # Full: the next page below takes the top page's slot...
    slot, dropped = window.place_below("aX", "bX")
    assert slot == dropped == placed[0][0]
    assert window.newer_cursor == "a1" and window.older_cursor == "bX"
    assert window.slots_top_to_bottom() == [*range(1, SLOTS), 0]
    assert window.reading_position() == f"a{SLOTS - 1}"
    # ...and a page above takes the bottom page's.
    slot, dropped = window.place_above("aY", "bY")
    assert slot == dropped == 0
    assert window.newer_cursor == "aY" and window.older_cursor == f"b{SLOTS - 1}"
    assert sorted(window.slots_top_to_bottom()) == list(range(SLOTS))


def test_first_page_has_no_position():
    window = PageWindow()
    window.place_below("", "b0")
    assert window.reading_position() == "" and window.newer_cursor == ""


def test_address_round_trip_and_bad_values():
    address = GalleryAddress(q="cat dog", type="image/png", date_from="2026-01-01",
                             sort="largest", at="bjQ0", image=12)
    url = address.url()
    assert url.startswith("/?") and "sort=largest" in url and "image=12" in url
    params = dict(part.split("=", 1) for part in url[2:].split("&"))
    params = {k: v.replace("+", " ").replace("%2F", "/") for k, v in params.items()}
    assert GalleryAddress.from_params(params) == address
    assert GalleryAddress().url() == "/"
    odd = GalleryAddress.from_params({"sort": "random", "image": "12abc", "q": "x" * 999})
    assert odd.sort == "newest" and odd.image == 0 and len(odd.q) == 255
