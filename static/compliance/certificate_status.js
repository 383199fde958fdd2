// Polls the certificate's status while the worker renders the PDF (like js/declaration_status.js),
// and reloads the page once when it is ready or has failed (the download link is rendered server-side).
(function () {
  "use strict";
  var box = document.getElementById("certificate-status");
  if (!box || !box.dataset.statusUrl || box.dataset.finished === "1") return;
  var delay = 1000;
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
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
