// Polls the declaration's status while the worker reads it, moves the progress bar, and reloads
// the page once when the outcome is known (the report and the product links are rendered server-side).
(function () {
  "use strict";
  var box = document.getElementById("declaration-status");
  if (!box || box.dataset.finished === "1") return;
  var bar = document.getElementById("declaration-progress");
  var delay = 700;
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        if (bar) { bar.value = data.progress; bar.textContent = data.progress + " %"; }
        var label = box.querySelector('[data-field="status_label"]');
        if (label) label.textContent = data.status_label;
        if (data.finished) { window.location.reload(); return; }
        delay = Math.min(delay * 1.3, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, delay);
})();
