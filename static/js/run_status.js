// Polls a re-evaluation run while the worker judges the products again, moves the progress bar and the
// counters, and reloads the page once the run is finished (the impact report is rendered server-side).
(function () {
  "use strict";
  var box = document.getElementById("run-status");
  if (!box || box.dataset.finished === "1") return;
  var bar = document.getElementById("run-progress");
  var delay = 1000;
  function show(field, value) {
    var el = box.querySelector('[data-field="' + field + '"]');
    if (el) el.textContent = value;
  }
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        if (bar) { bar.value = data.percent; bar.textContent = data.percent + " %"; }
        show("status_label", data.status_label);
        show("done", data.done);
        show("total", data.total);
        show("changed", data.changed);
        if (data.finished) { window.location.reload(); return; }
        // A run over thousands of products takes minutes: back off instead of polling every second.
        delay = Math.min(delay * 1.3, 10000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, delay);
})();
