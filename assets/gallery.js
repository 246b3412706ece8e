// The gallery's browser side, no build step: infinite scroll, the address, and keys
// and swipes in the large view. Every action is a click on a visible button the page
// already has (#load-more, #load-newer, #viewer-prev, #viewer-next), so each works
// without this script too, and the state (imghost/ui/state/gallery.py) stays the one
// place that decides anything.
(function () {
  "use strict";
  if (window.imghostGallery) return;

  // Start loading the next page this far before its button scrolls into view.
  const AHEAD_PX = 900;
  const pressed = new Map(); // button id -> the data-cursor it was pressed for
  let lastY = window.scrollY;
  let scrolledUp = false;
  let scheduled = false;

  function nearViewport(element) {
    const box = element.getBoundingClientRect();
    return box.bottom > -AHEAD_PX && box.top < window.innerHeight + AHEAD_PX;
  }

  function pressOnce(id) {
    const button = document.getElementById(id);
    if (!button || button.disabled || !nearViewport(button)) return;
    const cursor = button.getAttribute("data-cursor") || "";
    if (pressed.get(id) === cursor) return; // one press per page, however often we look
    pressed.set(id, cursor);
    button.click();
  }

  function check() {
    scheduled = false;
    if (!document.getElementById("gallery-grid")) return;
    if (document.getElementById("gallery-viewer")) return; // nothing moves under the viewer
    pressOnce("load-more");
    // Newer pages only when the user heads up: a reload at a saved position must
    // stay where it is, with "Show newer images" above it.
    if (scrolledUp) pressOnce("load-newer");
  }

  function schedule() {
    if (!scheduled) {
      scheduled = true;
      window.requestAnimationFrame(check);
    }
  }

  window.addEventListener("scroll", function () {
    const y = window.scrollY;
    scrolledUp = y < lastY;
    lastY = y;
    schedule();
  }, { passive: true });
  // A page arriving above the one being read must not push it down. Chrome's scroll
  // anchoring does that, except at the very top of the document (the usual case
  // after a reload at a saved position): remember the first tile in view when newer
  // images are asked for, and put it back where it was once they are in.
  let held = null;

  function tileInView() {
    for (const tile of document.querySelectorAll(".gallery-tile")) {
      const box = tile.getBoundingClientRect();
      if (box.bottom > 0) return { id: tile.getAttribute("data-id"), top: box.top };
    }
    return null;
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("#load-newer");
    if (!button) return;
    const tile = tileInView();
    if (tile) held = Object.assign(tile, { cursor: button.getAttribute("data-cursor") });
  }, true);

  function holdPlace() {
    if (!held) return;
    const button = document.getElementById("load-newer");
    if (button && button.getAttribute("data-cursor") === held.cursor) return; // not yet
    const tile = document.querySelector('.gallery-tile[data-id="' + held.id + '"]');
    if (tile) {
      const moved = tile.getBoundingClientRect().top - held.top;
      if (Math.abs(moved) > 1) window.scrollBy(0, moved);
    }
    held = null;
  }

  // Pages arriving (or a short first page) may leave the button in view.
  new MutationObserver(function () {
    holdPlace();
    schedule();
  }).observe(document.documentElement, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["data-cursor"],
  });

  function clickIfEnabled(id) {
    const button = document.getElementById(id);
    if (button && !button.disabled) button.click();
  }

  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("gallery-viewer")) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (event.key === "ArrowLeft") clickIfEnabled("viewer-prev");
    else if (event.key === "ArrowRight") clickIfEnabled("viewer-next");
    else return;
    event.preventDefault();
  });

  let touchX = null;
  let touchY = null;
  document.addEventListener("touchstart", function (event) {
    const inPicture = event.target.closest && event.target.closest("#viewer-picture");
    touchX = inPicture && event.touches.length === 1 ? event.touches[0].clientX : null;
    touchY = touchX === null ? null : event.touches[0].clientY;
  }, { passive: true });
  document.addEventListener("touchend", function (event) {
    if (touchX === null) return;
    const dx = event.changedTouches[0].clientX - touchX;
    const dy = event.changedTouches[0].clientY - touchY;
    touchX = null;
    if (Math.abs(dx) < 50 || Math.abs(dx) < 1.5 * Math.abs(dy)) return; // a tap or a scroll
    clickIfEnabled(dx > 0 ? "viewer-prev" : "viewer-next");
  }, { passive: true });

  window.imghostGallery = {
    // The address follows the gallery without new history entries: back leaves the
    // gallery, forward and reload come back to the same place.
    replaceUrl: function (url) {
      if (window.location.pathname.replace(/\/+$/, "") !== "") return; // left the gallery
      window.history.replaceState(window.history.state, "", url);
    },
  };
})();
