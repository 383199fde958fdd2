// Answering a survey (templates/surveys/supplier/response.html, surveys/views/answering.py).
//
// Progressive enhancement: without this script the page is one form whose "Save draft" button posts
// every answer. With it, follow-up questions appear and disappear as the gates are answered (the rule
// of surveys/answers.py visible_codes: a hidden gate hides what depends on it), and each change is
// saved in the background as {"answers": {code: value}}.
//
// Nothing typed is lost: a change is written to localStorage first and removed only when the server
// has confirmed that exact value. A failed save (expired session, network, server error) is retried
// every 15 seconds, anything still pending is sent again when the page is next opened, and on
// `pagehide` it is sent with navigator.sendBeacon. No inline script and no library: every string and
// URL comes from data- attributes, so the page works under a strict Content-Security-Policy.
"use strict";

(() => {
  const readonly = document.querySelector("[data-survey-readonly]");
  if (readonly) {
    // The response can no longer be changed: edits left over from an earlier visit can never be saved.
    try {
      window.localStorage.removeItem(`survey-pending-${readonly.dataset.surveyReadonly}`);
    } catch (e) {
      /* storage unavailable: nothing to clear */
    }
  }
  const form = document.getElementById("survey-form");
  if (!form) return;

  const D = form.dataset;
  const url = D.autosaveUrl;
  const storageKey = `survey-pending-${D.responseId}`;
  const lang = document.documentElement.lang || "en";
  const statusLine = document.getElementById("save-status");
  const RETRY_MS = 15000;
  const DEBOUNCE_MS = 800;
  const TEXT_TYPES = new Set(["number", "text"]);

  const blocks = Array.from(form.querySelectorAll(".question[data-question]"));
  const byCode = new Map(blocks.map((b) => [b.dataset.question, b]));

  // A message with its %(name)s placeholders filled, as in Python.
  const t = (template, params) =>
    String(template || "").replace(/%\((\w+)\)s/g, (whole, name) => (name in params ? String(params[name]) : whole));

  function say(text, kind) {
    if (!statusLine) return;
    statusLine.textContent = text;
    statusLine.classList.toggle("save-error", kind === "error");
  }

  // --- Values -----------------------------------------------------------------------------------

  function field(block) {
    return block.querySelector("input[type=text], input[type=date], textarea");
  }

  function valueOf(block) {
    const type = block.dataset.type;
    if (type === "multi") {
      return Array.from(block.querySelectorAll("input[type=checkbox]:checked"), (i) => i.value);
    }
    if (type === "ynpna" || type === "single") {
      const checked = block.querySelector("input[type=radio]:checked");
      return checked ? checked.value : "";
    }
    if (type === "file") return null;
    const input = field(block);
    return input ? input.value : "";
  }

  function setValue(block, value) {
    const type = block.dataset.type;
    if (type === "multi") {
      const chosen = new Set(Array.isArray(value) ? value.map(String) : [String(value)]);
      for (const box of block.querySelectorAll("input[type=checkbox]")) box.checked = chosen.has(box.value);
    } else if (type === "ynpna" || type === "single") {
      for (const radio of block.querySelectorAll("input[type=radio]")) radio.checked = radio.value === value;
    } else if (type !== "file") {
      const input = field(block);
      if (input) input.value = value == null ? "" : String(value);
    }
  }

  function asSet(value) {
    if (value == null || value === "") return new Set();
    return new Set(Array.isArray(value) ? value.map(String) : [String(value)]);
  }

  function isAnswered(block) {
    if (block.dataset.type === "file") return Number(block.dataset.files) > 0;
    const value = valueOf(block);
    return Array.isArray(value) ? value.length > 0 : String(value).trim() !== "";
  }

  // --- What is shown ----------------------------------------------------------------------------

  // Questions are in document order and gates come before what they show, so one pass decides.
  function refreshVisibility() {
    const visible = new Set();
    for (const block of blocks) {
      const gate = block.dataset.gate;
      let show = true;
      if (gate) {
        const gateBlock = byCode.get(gate);
        const wanted = (block.dataset.gateValues || "").split(/\s+/).filter(Boolean);
        const current = gateBlock ? asSet(valueOf(gateBlock)) : new Set();
        show = visible.has(gate) && wanted.some((v) => current.has(v));
      }
      if (show) visible.add(block.dataset.question);
      block.hidden = !show;
    }
    return visible;
  }

  function refreshEvidence(block) {
    const when = block.dataset.evidenceWhen;
    const hint = block.querySelector("[data-evidence-hint]");
    if (!when || !hint) return;
    const current = asSet(valueOf(block));
    const needed = when.split(/\s+/).some((v) => current.has(v));
    hint.hidden = !(needed && Number(block.dataset.files) === 0);
  }

  function showProgress(answered, required, percent) {
    const bar = document.getElementById("survey-progress");
    if (bar) {
      bar.max = required || 1;
      bar.value = required ? answered : 1;
    }
    const text = document.getElementById("survey-progress-text");
    if (text) text.textContent = t(D.msgProgress, { answered, required });
    const pct = document.getElementById("survey-progress-percent");
    if (pct) pct.textContent = String(percent);
  }

  // The counts the server would give, shown at once; the server's answer to the save confirms them.
  function refreshCounts(visible) {
    const sections = new Map();
    let answered = 0;
    let required = 0;
    for (const block of blocks) {
      const section = block.closest("[data-section]");
      const key = section ? section.dataset.section : "";
      const counts = sections.get(key) || { answered: 0, required: 0 };
      if (visible.has(block.dataset.question) && block.dataset.required === "1") {
        counts.required += 1;
        required += 1;
        if (isAnswered(block)) {
          counts.answered += 1;
          answered += 1;
        }
      }
      sections.set(key, counts);
    }
    for (const [key, counts] of sections) {
      for (const el of document.querySelectorAll("[data-section-count]")) {
        if (el.dataset.sectionCount === key) el.textContent = `${counts.answered} / ${counts.required}`;
      }
    }
    showProgress(answered, required, required ? Math.floor((100 * answered) / required) : 100);
  }

  function refreshAll() {
    const visible = refreshVisibility();
    blocks.forEach(refreshEvidence);
    refreshCounts(visible);
  }

  function showProblems(code, messages) {
    const block = byCode.get(code);
    const list = document.getElementById(`q-${code}-problems`);
    if (!block || !list) return;
    list.replaceChildren(
      ...messages.map((m) => {
        const li = document.createElement("li");
        li.textContent = m;
        return li;
      }),
    );
    list.hidden = messages.length === 0;
    block.classList.toggle("has-problems", messages.length > 0);
    const input = field(block);
    if (input) {
      if (messages.length) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }

  // --- Pending changes --------------------------------------------------------------------------

  function loadPending() {
    try {
      const data = JSON.parse(window.localStorage.getItem(storageKey) || "null");
      return data && data.answers && typeof data.answers === "object" ? data.answers : {};
    } catch (e) {
      return {};
    }
  }

  let pending = loadPending();

  function storePending() {
    try {
      if (Object.keys(pending).length) {
        window.localStorage.setItem(storageKey, JSON.stringify({ answers: pending, at: Date.now() }));
      } else {
        window.localStorage.removeItem(storageKey);
      }
    } catch (e) {
      // Private mode or a full storage: the changes still live in memory and are sent as usual.
    }
  }

  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  function csrfToken() {
    // The cookie first: logging in again in another tab rotates the token, and the cookie follows.
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- Saving -----------------------------------------------------------------------------------

  let timer = null;
  let retryTimer = null;
  let inFlight = null; // the answers of the save on its way, if any
  let again = false;

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(flush, delay);
  }

  function failed(message) {
    say(message, "error");
    if (retryTimer === null) retryTimer = window.setInterval(flush, RETRY_MS);
  }

  function stopRetrying() {
    if (retryTimer !== null) window.clearInterval(retryTimer);
    retryTimer = null;
  }

  function formatScore(score) {
    if (score == null) return "—";
    return new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(score);
  }

  function applySaved(data, sent) {
    for (const code of Object.keys(sent)) {
      // A value changed again while this save was on its way is judged by the next save.
      if (!(code in pending)) showProblems(code, (data.problems && data.problems[code]) || []);
    }
    showProgress(data.answered, data.required, data.percent);
    const score = document.getElementById("survey-score");
    if (score) score.textContent = formatScore(data.score);
    const grade = document.getElementById("survey-grade");
    if (grade) grade.textContent = data.grade_label || "";
    const time = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" }).format(new Date(data.saved_at));
    say(t(D.msgSaved, { time }));
  }

  async function flush() {
    window.clearTimeout(timer);
    if (inFlight) {
      again = true;
      return;
    }
    const codes = Object.keys(pending);
    if (!codes.length) return;
    const sent = {};
    for (const code of codes) sent[code] = pending[code];
    const body = JSON.stringify({ answers: sent });
    inFlight = sent;
    say(D.msgSaving);
    let response = null;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        // A save started as the tab is hidden or closed still reaches the server (64 kB at most).
        keepalive: body.length < 60000,
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken(),
          "X-Requested-With": "XMLHttpRequest",
        },
        body,
      });
    } catch (e) {
      response = null;
    }
    inFlight = null;
    if (response === null) {
      failed(D.msgRetry);
      return;
    }
    // supplier_required sends an expired session to the login page; a stale CSRF token is a 403.
    if (response.type === "opaqueredirect" || response.redirected || response.status === 401 || response.status === 403) {
      failed(D.msgSession);
      return;
    }
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (response.status === 409) {
      // The campaign closed or the survey was submitted meanwhile: retrying cannot help.
      stopRetrying();
      say((data && data.error) || D.msgRetry, "error");
      return;
    }
    if (!response.ok || data === null) {
      failed(D.msgRetry);
      return;
    }
    stopRetrying();
    for (const code of codes) {
      if (code in pending && same(pending[code], sent[code])) delete pending[code];
    }
    storePending();
    applySaved(data, sent);
    if (again || Object.keys(pending).length) {
      again = false;
      schedule(DEBOUNCE_MS);
    }
  }

  function record(block) {
    pending[block.dataset.question] = valueOf(block);
    storePending();
    say(D.msgPending);
    const visible = refreshVisibility();
    refreshEvidence(block);
    refreshCounts(visible);
  }

  function blockOf(target) {
    // File inputs belong to the document forms (form= attribute), not to the answers.
    if (!target || target.form !== form || target.type === "hidden") return null;
    return target.closest(".question[data-question]");
  }

  form.addEventListener("change", (event) => {
    const block = blockOf(event.target);
    if (!block) return;
    record(block);
    schedule(0);
  });

  form.addEventListener("input", (event) => {
    const block = blockOf(event.target);
    if (!block || !TEXT_TYPES.has(block.dataset.type)) return;
    record(block);
    schedule(DEBOUNCE_MS);
  });

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") flush();
  });

  window.addEventListener("pagehide", () => {
    // What a save already on its way carries (a keepalive request outlives the page) is not sent twice.
    const codes = Object.keys(pending).filter((c) => !(inFlight && c in inFlight && same(inFlight[c], pending[c])));
    if (!codes.length || !navigator.sendBeacon) return;
    // Form-encoded, like the page's own form: the server reads multi answers with getlist and an
    // empty field clears a question. The changes stay in localStorage until a save confirms them.
    const body = new URLSearchParams();
    body.append("csrfmiddlewaretoken", csrfToken());
    for (const code of codes) {
      const value = pending[code];
      if (Array.isArray(value)) {
        if (!value.length) body.append(code, "");
        for (const item of value) body.append(code, item);
      } else {
        body.append(code, value == null ? "" : String(value));
      }
    }
    navigator.sendBeacon(url, body);
  });

  // --- Start ------------------------------------------------------------------------------------

  const saved = statusLine && statusLine.querySelector("time[datetime]");
  if (saved) {
    const when = new Date(saved.getAttribute("datetime"));
    if (!Number.isNaN(when.getTime())) {
      saved.textContent = new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "short" }).format(when);
    }
  }
  for (const code of Object.keys(pending)) {
    if (!byCode.has(code)) delete pending[code];
  }
  const restored = Object.keys(pending);
  for (const code of restored) setValue(byCode.get(code), pending[code]);
  refreshAll();
  if (restored.length) {
    say(D.msgRestored);
    schedule(0);
  }
})();
