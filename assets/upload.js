// imghost's only hand-written JavaScript: the browser PUTs each file straight to
// its presigned URL (S3/R2, or the app's signed /api/files URL) with progress
// events, so image bytes never pass through the Reflex websocket.
//
// Files arrive from the file input (#imghost-file-input), drag and drop, or paste.
// The page's state learns about them, and about progress and finished PUTs, when
// this script clicks the hidden #imghost-upload-sync button: its handler calls
// window.imghost.drain() and hands the result to UploadState.sync, which grants
// each upload and answers with window.imghost.put(id, url, headers).
(function () {
  "use strict";
  if (window.imghost) return;

  const MAX_PARALLEL = 3;
  const PROGRESS_EVERY_MS = 250;
  const RETRY_MS = 1000;
  const files = new Map(); // id -> File, until its PUT has finished
  const waiting = []; // PUTs beyond MAX_PARALLEL, started as others finish
  let running = 0;
  let added = [];
  let progress = {};
  let done = [];
  let nextId = 1;
  let timer = null;

  function onUploadPage() {
    return document.getElementById("imghost-dropzone") !== null;
  }

  function signal(soon, delay) {
    if (timer !== null) {
      if (!soon) return;
      clearTimeout(timer);
    }
    timer = setTimeout(function () {
      timer = null;
      const button = document.getElementById("imghost-upload-sync");
      if (button) button.click();
      // A click is lost before the page is live, between pages and when signed out.
      // Until the state has drained the news, ask again now and then.
      if (added.length || done.length) signal(false, RETRY_MS);
    }, soon ? 0 : delay || PROGRESS_EVERY_MS);
  }

  function take(list, renamePasted) {
    let count = 0;
    for (const file of Array.from(list || [])) {
      const id = "f" + Date.now().toString(36) + "-" + nextId++;
      let name = file.name || "file";
      if (renamePasted) {
        // Pasted screenshots are all called "image.png": give each its own name.
        const ext = (file.type.split("/")[1] || "png").replace("jpeg", "jpg");
        name = "pasted-" + new Date().toISOString().replace(/[:.]/g, "-") + "-" + nextId + "." + ext;
      }
      files.set(id, file);
      added.push({ id: id, name: name, type: file.type || "", size: file.size });
      count++;
    }
    if (count) signal(true);
    return count;
  }

  function finish(id, status) {
    if (!files.has(id)) return; // error and abort can both report one PUT
    files.delete(id);
    delete progress[id];
    done.push({ id: id, status: status });
    running--;
    if (waiting.length) start(waiting.shift());
    signal(true);
  }

  function start(job) {
    const file = files.get(job.id);
    if (!file) return;
    running++;
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", job.url);
    for (const name of Object.keys(job.headers || {})) {
      xhr.setRequestHeader(name, job.headers[name]);
    }
    xhr.upload.onprogress = function (event) {
      progress[job.id] = event.loaded;
      signal(false);
    };
    xhr.onload = function () { finish(job.id, xhr.status); };
    // A network failure, or a CORS refusal by the storage, both read as status 0.
    xhr.onerror = function () { finish(job.id, 0); };
    xhr.ontimeout = function () { finish(job.id, 0); };
    xhr.onabort = function () { finish(job.id, 0); };
    xhr.send(file);
  }

  window.imghost = {
    drain: function () {
      const news = { added: added, progress: progress, done: done };
      added = [];
      progress = {};
      done = [];
      return news;
    },
    put: function (id, url, headers) {
      const job = { id: id, url: url, headers: headers };
      if (running < MAX_PARALLEL) start(job);
      else waiting.push(job);
    },
    forget: function (id) {
      files.delete(id);
    },
    // Resolves to true when the text reached the clipboard. navigator.clipboard
    // exists only in secure contexts (https, localhost); plain http elsewhere
    // falls back to a selected textarea and execCommand.
    copy: function (text) {
      if (navigator.clipboard && window.isSecureContext) {
        return navigator.clipboard.writeText(text).then(
          function () { return true; },
          function () { return legacyCopy(text); });
      }
      return Promise.resolve(legacyCopy(text));
    },
  };

  function legacyCopy(text) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (error) {
      ok = false;
    }
    area.remove();
    return ok;
  }

  function zone() {
    return document.getElementById("imghost-dropzone");
  }

  function hasFiles(event) {
    return event.dataTransfer && Array.from(event.dataTransfer.types || []).includes("Files");
  }

  // Capture phase on window: the files are taken while the event is live (a
  // DataTransfer is emptied once its event has been dispatched).
  window.addEventListener("change", function (event) {
    if (event.target && event.target.id === "imghost-file-input") {
      take(event.target.files, false);
      event.target.value = "";
    }
  }, true);

  // "Choose files" opens the picker here, inside the click itself: routed through
  // Reflex's event queue it would wait for the websocket, and a late input.click()
  // outside the user's gesture is silently ignored by browsers.
  window.addEventListener("click", function (event) {
    const button = event.target && event.target.closest && event.target.closest("#choose-files");
    const input = document.getElementById("imghost-file-input");
    if (button && input) input.click();
  }, true);

  window.addEventListener("dragover", function (event) {
    if (!onUploadPage() || !hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    zone().setAttribute("data-dragging", "true");
  }, true);

  window.addEventListener("dragleave", function (event) {
    if (onUploadPage() && event.relatedTarget === null) zone().removeAttribute("data-dragging");
  }, true);

  // Anywhere on the upload page counts as the drop zone, so a near miss does
  // not make the browser navigate away to the dropped file.
  window.addEventListener("drop", function (event) {
    if (!onUploadPage() || !hasFiles(event)) return;
    event.preventDefault();
    zone().removeAttribute("data-dragging");
    take(event.dataTransfer.files, false);
  }, true);

  window.addEventListener("paste", function (event) {
    if (!onUploadPage() || !event.clipboardData) return;
    const pasted = Array.from(event.clipboardData.files || []);
    if (pasted.length) {
      event.preventDefault();
      take(pasted, true);
    }
  }, true);
})();
