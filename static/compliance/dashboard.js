// Draws the dashboard charts with the vendored Chart.js (static/vendor/chartjs). The data comes from
// the page's json_script block; each chart's table below the canvas is its text alternative. The
// "where suppliers score lowest" panel is its own page (the costliest figure); it is fetched and put
// in place after the rest of the dashboard is on screen.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return;

  // Colours follow meaning (worst = red) so a band, status or verdict looks the same in every chart.
  var COLOURS = {
    not_started: "#9aa5b1", draft: "#8fb8de", submitted: "#2f6fb0", returned: "#e0a526", accepted: "#1f8a4c",
    high: "#c0392b", medium: "#e0a526", low: "#1f8a4c",
    A: "#1f8a4c", B: "#7cb342", C: "#e0a526", D: "#c0392b",
    non_compliant: "#c0392b", incomplete: "#e0a526", compliant: "#1f8a4c", none: "#9aa5b1",
    issued: "#1f8a4c", expiring: "#e0a526", revoked: "#c0392b", expired: "#9aa5b1",
    mean: "#2f6fb0"
  };
  var FALLBACK = ["#2f6fb0", "#c0392b", "#e0a526", "#1f8a4c", "#7b4fa0", "#0b8a8a", "#9aa5b1", "#d35400"];

  function colour(key, index) {
    return COLOURS[key] || FALLBACK[index % FALLBACK.length];
  }

  function config(spec) {
    var perBar = spec.keys && spec.datasets.length === 1;
    var datasets = spec.datasets.map(function (d, i) {
      return {
        label: d.label,
        data: d.data,
        backgroundColor: perBar ? spec.keys.map(colour) : colour(d.key, i),
        borderWidth: spec.type === "doughnut" ? 1 : 0
      };
    });
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: spec.type === "doughnut" || spec.datasets.length > 1, position: "bottom" } }
    };
    if (spec.type === "bar") {
      var value = { beginAtZero: true, stacked: !!spec.stacked };
      if (spec.max) value.max = spec.max;
      else value.ticks = { precision: 0 };
      var category = { stacked: !!spec.stacked, ticks: { autoSkip: false } };
      options.indexAxis = spec.horizontal ? "y" : "x";
      options.scales = spec.horizontal ? { x: value, y: category } : { x: category, y: value };
    }
    return { type: spec.type, data: { labels: spec.labels, datasets: datasets }, options: options };
  }

  function draw(root, specs) {
    var drawn = 0;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = specs[canvas.dataset.chart];
      if (!spec || window.Chart.getChart(canvas)) return;
      // A horizontal bar per row: give long lists the height they need instead of squeezing them.
      if (spec.horizontal && spec.labels.length > 8) {
        canvas.parentElement.style.height = Math.min(40 + spec.labels.length * 26, 900) + "px";
      }
      new window.Chart(canvas, config(spec));
      drawn += 1;
    });
    return drawn;
  }

  function specsIn(root) {
    var source = root.querySelector("#dashboard-charts");
    return source ? JSON.parse(source.textContent) : {};
  }

  var total = draw(document, specsIn(document));
  document.documentElement.dataset.chartsDrawn = String(total);

  var panel = document.querySelector("[data-lazy-src]");
  if (!panel) return;
  fetch(panel.dataset.lazySrc, { credentials: "same-origin", headers: { Accept: "text/html" } })
    .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
    .then(function (html) {
      var fetched = new DOMParser().parseFromString(html, "text/html").getElementById("weak-panel");
      if (!fetched) throw new Error("no panel");
      var specs = specsIn(fetched);
      var data = fetched.querySelector("#dashboard-charts");
      if (data) data.remove();  // one element per id: the page's own chart data keeps it
      var fresh = document.importNode(fetched, true);
      panel.replaceWith(fresh);
      document.documentElement.dataset.lazyChartsDrawn = String(draw(fresh, specs));
    })
    .catch(function () {
      var status = panel.querySelector("[data-lazy-status]");
      if (status) status.textContent = panel.dataset.lazyError;
      panel.removeAttribute("aria-busy");
      document.documentElement.dataset.lazyChartsDrawn = "failed";
    });
})();
