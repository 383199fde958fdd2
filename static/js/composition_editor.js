// The composition editor (templates/chemicals/editor/editor.html, chemicals/views/editor.py).
//
// The page hands over the product as the JSON form (chemicals/formats/json_tree.py); this script
// edits that document in place and posts it back whole. Keeping the document itself as the state
// means fields the script does not know survive a round trip, and what is saved is exactly what the
// REST API would accept. Every visible string comes from the page (json_script "editor-labels"), so
// the editor speaks the supplier's language; no build step and no third-party code, so the portal
// also works offline.
"use strict";

(() => {
  const root = document.getElementById("composition-editor");
  if (!root) return;

  const readJson = (id) => JSON.parse(document.getElementById(id).textContent);
  const doc = readJson("editor-document");
  const L = readJson("editor-labels");
  const config = readJson("editor-config");
  const lang = document.documentElement.lang || "en";
  const csrfToken = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const tolerance = Number(config.tolerance_percent);
  const treeBox = document.getElementById("editor-tree");
  const summary = document.getElementById("editor-summary");
  const statusBox = document.getElementById("editor-status");
  const product = doc.product;

  // Milligrams per unit, as chemicals.composition.MG_PER_UNIT.
  const MG = { mg: 1, g: 1000, kg: 1000000 };
  const MASS_UNITS = Object.keys(MG);
  // Percentages are written with a few decimals: 33.34 + 66.67 must not count as more than 100
  // (validation.PERCENT_SLACK).
  const PERCENT_SLACK = 0.01;

  // --- Text ------------------------------------------------------------------------------------

  // A label with its %(name)s placeholders filled; "%%" is a literal percent sign, as in Python.
  function t(key, params) {
    let text = key in L ? L[key] : key;
    if (params) {
      text = text.replace(/%\((\w+)\)s/g, (whole, name) => (name in params ? String(params[name]) : whole));
    }
    return text.replace(/%%/g, "%");
  }

  const significant = new Intl.NumberFormat(lang, { maximumSignificantDigits: 6 });
  const formatNumber = (n) => significant.format(n);
  function formatMass(mg, unit) {
    const u = unit in MG ? unit : "mg";
    return `${formatNumber(mg / MG[u])} ${u}`;
  }
  function formatPercent(p) {
    const digits = p < 10 ? 2 : 1;
    return `${new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(p)} %`;
  }

  // --- Numbers and masses (the server's rules, chemicals.composition) -----------------------------

  // What Python's Decimal accepts, minus what json_tree refuses (underscores); no thousands separators
  // and a dot as decimal separator, so "1,5" is flagged here before the server refuses it.
  const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

  // null when blank, NaN when not a number.
  function parseNumber(text) {
    if (text === null || text === undefined) return null;
    const s = String(text).trim();
    if (s === "") return null;
    return NUMBER.test(s) ? Number(s) : NaN;
  }

  // The mass of {value, unit} in mg; null when missing or unreadable.
  function massMg(mass) {
    if (!mass) return null;
    const value = parseNumber(mass.value);
    const factor = MG[String(mass.unit || "").trim().toLowerCase()];
    if (value === null || Number.isNaN(value) || !factor) return null;
    return value * factor;
  }

  function unitsOf(part) {
    const units = parseNumber(part.number_of_units);
    return units === null ? 1 : units; // json_tree reads a missing number_of_units as 1
  }

  // Mass of one unit of HOLDER computed from its contents, as chemicals.composition.part_rollup_mg:
  // materials, plus each child part's mass times its number of units, plus substances held directly.
  // {missing: true} when any of those masses is missing (then nothing can be said), {empty: true}
  // when there is nothing inside yet.
  function rollup(holder, withSubstances) {
    let total = 0;
    let count = 0;
    for (const material of holder.materials || []) {
      const mg = massMg(material.mass);
      if (mg === null) return { missing: true };
      total += mg;
      count += 1;
    }
    for (const child of holder.parts || []) {
      const mg = massMg(child.mass);
      const units = unitsOf(child);
      if (mg === null || Number.isNaN(units)) return { missing: true };
      total += mg * units;
      count += 1;
    }
    if (withSubstances) {
      for (const substance of holder.substances || []) {
        const mg = massMg(substance.mass);
        if (mg === null) return { missing: true };
        total += mg;
        count += 1;
      }
    }
    return count ? { mg: total } : { empty: true };
  }

  // Sum of the substance shares of a material (or of a mixture) in percent. A substance given only
  // by its mass counts with its mass over the container's mass, when that is known.
  function percentSum(substances, containerMg) {
    let total = 0;
    for (const substance of substances) {
      const percent = parseNumber(substance.mass_percent);
      if (percent !== null && !Number.isNaN(percent)) {
        // Unlike the server's sum (validation.py), a share above 100 counts: the sum then warns too.
        if (percent >= 0) total += percent;
      } else if (containerMg) {
        const mg = massMg(substance.mass);
        if (mg !== null && mg > 0) total += (mg / containerMg) * 100;
      }
    }
    return total;
  }

  // --- CAS numbers --------------------------------------------------------------------------------

  // A CAS Registry Number is 2-7 digits, 2 digits and one check digit ("7732-18-5"). The check digit
  // guards against typing errors: take the digits before it, read them from the right and weight
  // them 1, 2, 3, ...; the sum of digit x weight, modulo 10, must equal the check digit. For water,
  // 7732-18-5: 8x1 + 1x2 + 2x3 + 3x4 + 7x5 + 7x6 = 105, and 105 mod 10 = 5. A right check digit
  // does not prove the number names the substance meant; the server also compares names. The input
  // is folded as chemicals/cas.py does: full-width digits (NFKC), typographic dashes and the
  // Japanese long-vowel mark typed for "-" in kana mode, spaces, leading zeros, no dashes at all.
  const DASHES = /[\u2010-\u2015\u2212\u2043\ufe58\ufe63\u30fc\uff70]/g;

  function normalizeCas(text) {
    let compact = text.normalize("NFKC").replace(DASHES, "-").replace(/\s+/g, "");
    if (/^\d+$/.test(compact)) {
      const digits = compact.replace(/^0+/, "");
      if (digits.length < 5 || digits.length > 10) return null;
      compact = `${digits.slice(0, -3)}-${digits.slice(-3, -1)}-${digits.slice(-1)}`;
    }
    const match = /^(\d{2,7})-(\d{2})-(\d)$/.exec(compact);
    if (!match) return null;
    const first = match[1].replace(/^0+/, "");
    return first.length < 2 ? null : `${first}-${match[2]}-${match[3]}`;
  }

  function casCheckDigit(canonical) {
    const body = canonical.slice(0, -2).replace(/-/g, "");
    let sum = 0;
    for (let i = 0; i < body.length; i += 1) {
      sum += (i + 1) * Number(body[body.length - 1 - i]);
    }
    return sum % 10;
  }

  // {state: "empty" | "sn" | "format" | "check" | "ok", expected}
  function checkCas(text) {
    const raw = String(text || "").trim();
    if (!raw) return { state: "empty" };
    if (/^SN\d{4}$/.test(raw.normalize("NFKC").replace(/\s+/g, "").toUpperCase())) return { state: "sn" };
    const canonical = normalizeCas(raw);
    if (!canonical) return { state: "format" };
    const expected = casCheckDigit(canonical);
    return expected === Number(canonical.slice(-1)) ? { state: "ok" } : { state: "check", expected };
  }

  // --- State --------------------------------------------------------------------------------------

  const state = {
    dirty: false,
    busy: false,
    changes: 0,
    timer: null,
    problems: [],
    problemsIntro: "",
  };
  const collapsed = new WeakSet();
  const unitChoice = new WeakMap(); // the unit picked for a mass that has no value yet
  let fields = new Map(); // JSON path -> {input, messages}
  let nodes = new Map(); // JSON path -> {problems: element}
  let updaters = []; // live read-outs recomputed after every input
  let partNumberInput = null;
  let partNumberHelp = null;
  let uid = 0;

  const newPart = () => ({
    name: "",
    part_number: "",
    number_of_units: "1",
    mass: null,
    parts: [],
    materials: [],
    substances: [],
  });
  const newMaterial = () => ({
    name: "",
    code: "",
    material_class: "",
    use_code: "",
    is_packaging: false,
    mass: null,
    substances: [],
  });
  const newSubstance = () => ({
    cas: "",
    name: "",
    mass_percent: null,
    mass: null,
    intentional: null,
    exemptions: [],
  });
  const newExemption = () => ({ list: "", item: "" });

  for (const key of ["parts", "materials", "substances", "destination_markets"]) {
    if (!Array.isArray(product[key])) product[key] = [];
  }

  // Stored decimals come back with their column's scale ("2.000000", "50.0000000000"); the same
  // number without the trailing zeros is what the supplier typed and wants to read.
  function trimZeros(value) {
    return typeof value === "string" && /^[+-]?\d+\.\d*$/.test(value.trim())
      ? value.trim().replace(/0+$/, "").replace(/\.$/, "")
      : value;
  }
  function tidy(item) {
    if (item.mass && typeof item.mass === "object") item.mass.value = trimZeros(item.mass.value);
    if ("mass_percent" in item) item.mass_percent = trimZeros(item.mass_percent);
    if ("number_of_units" in item) item.number_of_units = trimZeros(item.number_of_units);
    for (const key of ["parts", "materials", "substances"]) {
      for (const child of Array.isArray(item[key]) ? item[key] : []) tidy(child);
    }
  }
  tidy(product);

  // --- DOM helpers --------------------------------------------------------------------------------

  function h(tag, attrs, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") element.textContent = value;
      else if (name === "class") element.className = value;
      else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
      else if (value === true) element.setAttribute(name, "");
      else element.setAttribute(name, value);
    }
    for (const child of children) {
      if (child) element.append(child);
    }
    return element;
  }

  const idFor = (path) => `ed-${path.replace(/[^A-Za-z0-9]+/g, "-")}`;
  const parentPath = (path) => path.replace(/(\.[^.[\]]+|\[\d+\])$/, "");

  function describe(input, id) {
    const ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (!ids.includes(id)) ids.push(id);
    input.setAttribute("aria-describedby", ids.join(" "));
  }

  function undescribe(input, id) {
    const ids = (input.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== id);
    if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
    else input.removeAttribute("aria-describedby");
  }

  // A message slot under an input for what the script itself finds (bad number, CAS check digit).
  function liveMessage(input, messages) {
    const element = h("p", { class: "live-message", id: `${input.id}-live`, hidden: true });
    messages.append(element);
    return (text, severity) => {
      element.textContent = text || "";
      element.hidden = !text;
      element.className = `live-message${severity ? ` live-${severity}` : ""}`;
      if (text) describe(input, element.id);
      else undescribe(input, element.id);
      input.toggleAttribute("data-live-invalid", Boolean(text) && severity === "error");
      syncInvalid(input);
    };
  }

  function syncInvalid(input) {
    const invalid = input.hasAttribute("data-live-invalid") || input.hasAttribute("data-server-invalid");
    if (invalid) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  function field(path, labelText, input, help) {
    input.id = idFor(path);
    input.dataset.key = `${path}|input`;
    const messages = h("div", { class: "field-messages" });
    const wrap = h("div", { class: "field" }, h("label", { for: input.id, text: labelText }), input);
    if (help) {
      const helpText = h("p", { class: "helptext", id: `${input.id}-help`, text: help });
      wrap.append(helpText);
      describe(input, helpText.id);
    }
    wrap.append(messages);
    fields.set(path, { input, messages });
    return { wrap, input, messages };
  }

  function textField(obj, key, path, labelText, options = {}) {
    const input = h("input", {
      type: "text",
      value: obj[key] == null ? "" : String(obj[key]),
      autocomplete: "off",
      maxlength: options.maxlength || null,
    });
    input.addEventListener("input", () => {
      obj[key] = input.value;
      if (options.onInput) options.onInput(input.value);
      changed();
    });
    return field(`${path}.${key}`, labelText, input, options.help).wrap;
  }

  // A decimal kept as the string typed (the server reads it as a Decimal); blank is null.
  function numberField(obj, key, path, labelText, help, rangeCheck) {
    const input = h("input", {
      type: "text",
      inputmode: "decimal",
      value: obj[key] == null ? "" : String(obj[key]),
      autocomplete: "off",
      class: "input-number",
    });
    const built = field(`${path}.${key}`, labelText, input, help);
    const say = liveMessage(input, built.messages);
    const check = () => {
      const value = parseNumber(input.value);
      if (Number.isNaN(value)) say(t("not_a_number", { value: input.value.trim() }), "error");
      else say(value !== null && rangeCheck ? rangeCheck(value) : "", "error");
    };
    input.addEventListener("input", () => {
      obj[key] = input.value.trim() === "" ? null : input.value.trim();
      check();
      changed();
    });
    check();
    return built.wrap;
  }

  function massField(obj, path, labelText, defaultUnit) {
    const mass = obj.mass;
    const input = h("input", {
      type: "text",
      inputmode: "decimal",
      value: mass && mass.value != null ? String(mass.value) : "",
      autocomplete: "off",
      class: "input-number",
    });
    const built = field(`${path}.mass`, labelText, input);
    const unit = mass && mass.unit ? String(mass.unit).toLowerCase() : unitChoice.get(obj) || defaultUnit;
    const select = h("select", { id: `${input.id}-unit`, "data-key": `${path}.mass|unit` });
    const units = MASS_UNITS.includes(unit) ? MASS_UNITS : [...MASS_UNITS, unit];
    for (const u of units) select.append(h("option", { value: u, text: u, selected: u === unit }));
    const unitLabel = h("label", { for: select.id, class: "visually-hidden", text: t("mass_unit") });
    fields.set(`${path}.mass.unit`, { input: select, messages: built.messages });
    // The value and its unit side by side, in the one field the label names.
    const row = h("div", { class: "mass-input" });
    input.replaceWith(row);
    row.append(input, unitLabel, select);
    const say = liveMessage(input, built.messages);
    const check = () => {
      const value = parseNumber(input.value);
      say(Number.isNaN(value) ? t("not_a_number", { value: input.value.trim() }) : "", "error");
    };
    input.addEventListener("input", () => {
      const value = input.value.trim();
      obj.mass = value === "" ? null : { value, unit: select.value };
      check();
      changed();
    });
    select.addEventListener("change", () => {
      unitChoice.set(obj, select.value);
      if (obj.mass) obj.mass.unit = select.value;
      changed();
    });
    check();
    return built.wrap;
  }

  function selectField(obj, key, path, labelText, choices, onChange) {
    const select = h("select", {});
    const current = obj[key];
    let found = false;
    for (const [value, text] of choices) {
      const selected = value === current;
      found = found || selected;
      select.append(h("option", { value: JSON.stringify(value), text, selected }));
    }
    if (!found && current !== undefined) {
      // Keep a value the list does not offer (e.g. from an uploaded file) rather than change it.
      select.append(h("option", { value: JSON.stringify(current), text: String(current), selected: true }));
    }
    select.addEventListener("change", () => {
      obj[key] = JSON.parse(select.value);
      changed();
      if (onChange) onChange();
    });
    return field(`${path}.${key}`, labelText, select).wrap;
  }

  function checkboxField(obj, key, path, labelText) {
    const input = h("input", { type: "checkbox", checked: Boolean(obj[key]) });
    input.addEventListener("change", () => {
      obj[key] = input.checked;
      changed();
    });
    const built = field(`${path}.${key}`, labelText, input);
    built.wrap.classList.add("field-check");
    return built.wrap;
  }

  function button(text, key, onClick, options = {}) {
    return h("button", {
      type: "button",
      class: options.class || "btn btn-secondary btn-small",
      text,
      "data-key": key,
      "aria-describedby": options.describedBy || null,
      "aria-expanded": options.expanded === undefined ? null : String(options.expanded),
      "aria-controls": options.controls || null,
      disabled: options.disabled || null,
      onclick: onClick,
    });
  }

  // --- Structure changes ----------------------------------------------------------------------------

  function structureChanged(focusKey) {
    // Paths shift when nodes move, so problems from the last answer can no longer be placed.
    state.problems = [];
    changed();
    render(focusKey);
  }

  function addTo(list, item, path) {
    list.push(item);
    structureChanged(`${path}[${list.length - 1}]|first`);
  }

  function move(list, index, delta, listPath) {
    const target = index + delta;
    if (target < 0 || target >= list.length) return;
    [list[index], list[target]] = [list[target], list[index]];
    const direction = delta < 0 ? "up" : "down";
    const other = delta < 0 ? "down" : "up";
    const edge = delta < 0 ? target === 0 : target === list.length - 1;
    structureChanged(`${listPath}[${target}]|move-${edge ? other : direction}`);
  }

  function isEmpty(item) {
    return !["parts", "materials", "substances", "exemptions"].some((k) => (item[k] || []).length);
  }

  function remove(list, index, listPath, name) {
    const item = list[index];
    if (!isEmpty(item) && !window.confirm(t("confirm_remove", { name: name || t("untitled") }))) return;
    list.splice(index, 1);
    const focus = list.length ? `${listPath}[${Math.min(index, list.length - 1)}]|remove` : `${listPath}|add`;
    structureChanged(focus);
  }

  // Collapse / move / remove buttons of one node; the buttons are described by the node's legend so
  // a screen reader says which part "Move up" moves.
  function tools(list, index, listPath, legendId, body, obj, nameOf) {
    const path = `${listPath}[${index}]`;
    const open = !collapsed.has(obj);
    body.hidden = !open;
    const toggle = button(t(open ? "collapse" : "expand"), `${path}|toggle`, () => {
      const nowOpen = body.hidden;
      body.hidden = !nowOpen;
      if (nowOpen) collapsed.delete(obj);
      else collapsed.add(obj);
      toggle.textContent = t(nowOpen ? "collapse" : "expand");
      toggle.setAttribute("aria-expanded", String(nowOpen));
    }, { describedBy: legendId, expanded: open, controls: body.id, class: "btn btn-secondary btn-small btn-toggle" });
    body.dataset.toggle = toggle.dataset.key;
    return h(
      "div",
      { class: "node-tools" },
      toggle,
      button(t("move_up"), `${path}|move-up`, () => move(list, index, -1, listPath), {
        describedBy: legendId,
        disabled: index === 0,
      }),
      button(t("move_down"), `${path}|move-down`, () => move(list, index, 1, listPath), {
        describedBy: legendId,
        disabled: index === list.length - 1,
      }),
      button(t("remove"), `${path}|remove`, () => remove(list, index, listPath, nameOf()), {
        describedBy: legendId,
        class: "btn btn-danger btn-small",
      }),
    );
  }

  // A fieldset with a legend that follows the name typed, tools and a body.
  function nodeBox(kind, path, title, obj, nameKey, list, index, listPath) {
    const legendId = `${idFor(path)}-legend`;
    const nameSpan = h("span", { class: "node-name" });
    const legend = h("legend", { id: legendId }, h("span", { class: "node-kind", text: title }), nameSpan);
    // A substance without a name yet is shown by its CAS number.
    const nameOf = () => String(obj[nameKey] || obj.cas || "").trim();
    updaters.push(() => {
      nameSpan.textContent = nameOf() ? ` ${nameOf()}` : "";
    });
    const body = h("div", { class: "node-body", id: `${idFor(path)}-body` });
    const problems = h("div", { class: "node-problems" });
    nodes.set(path, { problems, input: null });
    const box = h(
      "fieldset",
      { class: `node node-${kind}`, "data-path": path },
      legend,
      tools(list, index, listPath, legendId, body, obj, nameOf),
      body,
    );
    body.append(problems);
    box.dataset.first = `${path}|first`;
    return { box, body, legendId };
  }

  function listSection(title, items, listPath, renderItem, addLabel, makeItem) {
    const titleId = `${idFor(listPath)}-title`;
    const section = h("div", { class: "node-list", role: "group", "aria-labelledby": titleId });
    section.append(h("p", { class: "list-title", id: titleId, text: title }));
    const problems = h("div", { class: "node-problems" });
    section.append(problems);
    nodes.set(listPath, { problems, input: null });
    items.forEach((item, index) => section.append(renderItem(item, index)));
    section.append(button(addLabel, `${listPath}|add`, () => addTo(items, makeItem(), listPath)));
    return section;
  }

  // --- Read-outs: mass balance and percentage sums --------------------------------------------------

  function balanceReadout(holder, withSubstances) {
    const element = h("div", { class: "balance" });
    updaters.push(() => {
      const declared = massMg(holder.mass);
      const unit = holder.mass && String(holder.mass.unit || "").toLowerCase() in MG ? holder.mass.unit : "g";
      const computed = rollup(holder, withSubstances);
      const lines = [t("declared", { mass: declared === null ? "—" : formatMass(declared, unit) })];
      let warn = false;
      if (computed.missing) lines.push(t("not_computable"));
      else if (computed.empty) lines.push(t("no_contents"));
      else {
        lines.push(t("computed", { mass: formatMass(computed.mg, unit) }));
        // The server's rule (validation.rollup): compared only when both are known and non-zero.
        if (declared !== null && declared > 0 && computed.mg !== 0) {
          const difference = Math.abs(declared - computed.mg);
          const percent = (difference / declared) * 100;
          lines.push(t("difference", { mass: formatMass(difference, unit), percent: formatPercent(percent) }));
          warn = percent > tolerance;
          lines.push(t(warn ? "balance_off" : "balance_ok", { tolerance: formatPercent(tolerance) }));
        }
      }
      element.replaceChildren(...lines.map((line) => h("span", { text: line })));
      element.classList.toggle("balance-warn", warn);
      element.classList.toggle("balance-ok", !warn && lines.length > 3);
    });
    return element;
  }

  function percentReadout(substances, containerOf, labelKey) {
    const element = h("div", { class: "percent-sum" });
    updaters.push(() => {
      if (!substances.length) {
        element.hidden = true;
        return;
      }
      element.hidden = false;
      const sum = percentSum(substances, containerOf());
      const over = sum > 100 + PERCENT_SLACK;
      const parts = [h("span", { text: t(labelKey, { percent: formatPercent(sum) }) })];
      if (over) parts.push(h("span", { text: t("percent_over") }));
      element.replaceChildren(...parts);
      element.classList.toggle("percent-warn", over);
    });
    return element;
  }

  // --- Tree -----------------------------------------------------------------------------------------

  function renderExemption(list, index, listPath) {
    const exemption = list[index];
    const path = `${listPath}[${index}]`;
    const row = h("div", { class: "exemption", "data-path": path, role: "group" });
    const title = h("span", { class: "exemption-title", id: `${idFor(path)}-legend`, text: t("exemption_n", { n: index + 1 }) });
    row.setAttribute("aria-labelledby", title.id);
    row.dataset.first = `${path}|first`;
    row.append(
      title,
      textField(exemption, "list", path, t("exemption_list")),
      textField(exemption, "item", path, t("exemption_item")),
      button(t("remove"), `${path}|remove`, () => remove(list, index, listPath, exemption.item), {
        describedBy: title.id,
        class: "btn btn-danger btn-small",
      }),
    );
    nodes.set(path, { problems: row, input: null });
    return row;
  }

  function renderSubstance(list, index, listPath) {
    const substance = list[index];
    const path = `${listPath}[${index}]`;
    const { box, body } = nodeBox("substance", path, t("substance_n", { n: index + 1 }), substance, "name", list, index, listPath);
    const casWrap = textField(substance, "cas", path, t("cas"), { maxlength: 30 });
    const casInput = fields.get(`${path}.cas`).input;
    const say = liveMessage(casInput, fields.get(`${path}.cas`).messages);
    const checkCasField = () => {
      const result = checkCas(casInput.value);
      if (result.state === "format") say(t("cas_format"), "error");
      else if (result.state === "check") say(t("cas_check_digit", { expected: result.expected }), "error");
      else if (result.state === "ok") say(t("cas_ok"), "ok");
      else if (result.state === "sn") say(t("cas_sn"), "ok");
      else say("", "");
    };
    casInput.addEventListener("input", checkCasField);
    checkCasField();
    const grid = h(
      "div",
      { class: "fields fields-substance" },
      casWrap,
      textField(substance, "name", path, t("name")),
      numberField(substance, "mass_percent", path, t("mass_percent"), null, (value) =>
        value < 0 || value > 100 ? t("percent_range") : "",
      ),
      massField(substance, path, t("substance_mass"), "mg"),
      selectField(substance, "intentional", path, t("intentional"), [
        [null, t("intentional_unknown")],
        [true, t("yes")],
        [false, t("no")],
      ]),
    );
    if (!Array.isArray(substance.exemptions)) substance.exemptions = [];
    const exemptionsPath = `${path}.exemptions`;
    const exemptions = listSection(
      t("exemptions"),
      substance.exemptions,
      exemptionsPath,
      (_item, i) => renderExemption(substance.exemptions, i, exemptionsPath),
      t("add_exemption"),
      newExemption,
    );
    exemptions.classList.add("node-list-exemptions");
    body.append(grid, exemptions);
    return box;
  }

  function substanceList(holder, path, titleKey, containerOf, sumKey) {
    if (!Array.isArray(holder.substances)) holder.substances = [];
    const listPath = `${path}.substances`;
    const section = listSection(
      t(titleKey),
      holder.substances,
      listPath,
      (_item, i) => renderSubstance(holder.substances, i, listPath),
      t("add_substance"),
      newSubstance,
    );
    if (sumKey) section.insertBefore(percentReadout(holder.substances, containerOf, sumKey), section.children[2]);
    return section;
  }

  function renderMaterial(list, index, listPath) {
    const material = list[index];
    const path = `${listPath}[${index}]`;
    const { box, body } = nodeBox("material", path, t("material_n", { n: index + 1 }), material, "name", list, index, listPath);
    body.append(
      h(
        "div",
        { class: "fields" },
        textField(material, "name", path, t("name")),
        massField(material, path, t("mass_of_one_unit"), "g"),
        textField(material, "code", path, t("material_code"), { maxlength: 20 }),
        textField(material, "material_class", path, t("material_class"), { maxlength: 20 }),
        textField(material, "use_code", path, t("use_code"), { maxlength: 4 }),
        checkboxField(material, "is_packaging", path, t("is_packaging")),
      ),
      substanceList(material, path, "substances", () => massMg(material.mass), "percent_sum"),
    );
    return box;
  }

  function materialList(holder, path) {
    if (!Array.isArray(holder.materials)) holder.materials = [];
    const listPath = `${path}.materials`;
    return listSection(
      t("materials"),
      holder.materials,
      listPath,
      (_item, i) => renderMaterial(holder.materials, i, listPath),
      t("add_material"),
      newMaterial,
    );
  }

  function renderPart(list, index, listPath, number) {
    const part = list[index];
    const path = `${listPath}[${index}]`;
    const { box, body } = nodeBox("part", path, t("part_n", { n: number }), part, "name", list, index, listPath);
    body.append(
      h(
        "div",
        { class: "fields" },
        textField(part, "name", path, t("name")),
        textField(part, "part_number", path, t("part_number"), { maxlength: 100 }),
        numberField(part, "number_of_units", path, t("number_of_units"), t("number_of_units_help"), (value) =>
          value <= 0 ? t("units_positive") : "",
        ),
        massField(part, path, t("mass_of_one_unit"), "g"),
      ),
      balanceReadout(part, true),
      partList(part, path, "sub_parts", "add_sub_part", number),
      materialList(part, path),
    );
    if (!Array.isArray(part.substances)) part.substances = [];
    body.append(substanceList(part, path, "part_substances", () => null, null));
    return box;
  }

  function partList(holder, path, titleKey, addKey, prefix) {
    if (!Array.isArray(holder.parts)) holder.parts = [];
    const listPath = `${path}.parts`;
    return listSection(
      t(titleKey),
      holder.parts,
      listPath,
      (_item, i) => renderPart(holder.parts, i, listPath, prefix ? `${prefix}.${i + 1}` : String(i + 1)),
      t(addKey),
      newPart,
    );
  }

  function renderHeader() {
    const path = "product";
    const box = h("fieldset", { class: "node node-product", "data-path": path });
    box.append(h("legend", { text: t("product") }));
    const problems = h("div", { class: "node-problems" });
    nodes.set(path, { problems, input: null });
    box.append(problems);

    const partNumber = textField(product, "part_number", path, t("part_number"), { maxlength: 100 });
    partNumberInput = fields.get("product.part_number").input;
    partNumberInput.required = true;
    partNumberHelp = h("p", { class: "helptext", id: `${partNumberInput.id}-locked`, text: t("part_number_locked") });
    partNumber.insertBefore(partNumberHelp, partNumber.querySelector(".field-messages"));
    lockPartNumber(Boolean(config.part_number_locked));

    const markets = h("input", {
      type: "text",
      value: (product.destination_markets || []).join(", "),
      autocomplete: "off",
    });
    markets.addEventListener("input", () => {
      product.destination_markets = markets.value.split(/[\s,、，;]+/).map((m) => m.trim()).filter(Boolean);
      changed();
    });
    const unitTypes = (config.unit_types || []).map((u) => [u, u === "each" ? t("unit_each") : u]);
    box.append(
      h(
        "div",
        { class: "fields" },
        partNumber,
        textField(product, "name", path, t("name"), { maxlength: 300 }),
        textField(product, "version", path, t("version"), { maxlength: 100 }),
        selectField(
          product,
          "kind",
          path,
          t("kind"),
          [
            ["article", t("kind_article")],
            ["mixture", t("kind_mixture")],
          ],
          () => render(`${path}.kind|input`),
        ),
        selectField(product, "unit_type", path, t("unit_type"), unitTypes),
        massField(product, path, t("mass"), "g"),
        textField(product, "buyer_part_number", path, t("buyer_part_number"), { maxlength: 100 }),
        field(`${path}.destination_markets`, t("destination_markets"), markets, t("destination_markets_help")).wrap,
      ),
    );
    if (product.kind !== "mixture") box.append(balanceReadout(product, false));
    return box;
  }

  function lockPartNumber(locked) {
    if (!partNumberInput) return;
    partNumberInput.readOnly = locked;
    partNumberHelp.hidden = !locked;
    if (locked) describe(partNumberInput, partNumberHelp.id);
    else undescribe(partNumberInput, partNumberHelp.id);
  }

  function render(focusKey) {
    fields = new Map();
    nodes = new Map();
    updaters = [];
    const mixture = product.kind === "mixture";
    const content = [renderHeader()];
    // A mixture declares substances only; parts or materials already there stay visible so that the
    // supplier can see and remove what the server will refuse.
    if (!mixture || product.parts.length) content.push(partList(product, "product", "parts", "add_part", ""));
    if (!mixture || product.materials.length) content.push(materialList(product, "product"));
    if (mixture || product.substances.length) {
      content.push(
        substanceList(product, "product", "substances", () => null, mixture ? "percent_sum_mixture" : null),
      );
    }
    treeBox.replaceChildren(...content);
    recompute();
    placeProblems();
    if (focusKey) focusByKey(focusKey);
  }

  function focusByKey(key) {
    let target = treeBox.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (!target && key.endsWith("|first")) {
      const holder = treeBox.querySelector(`[data-first="${CSS.escape(key)}"]`);
      target = holder && holder.querySelector("input, select");
    }
    if (target) {
      revealFor(target);
      target.focus();
    }
  }

  // Open the collapsed nodes around ELEMENT (a problem link or a focus move may point inside one).
  function revealFor(element) {
    for (let body = element.closest(".node-body[hidden]"); body; body = body.parentElement.closest(".node-body[hidden]")) {
      const toggle = treeBox.querySelector(`[data-key="${CSS.escape(body.dataset.toggle)}"]`);
      if (toggle) toggle.click();
      else body.hidden = false;
    }
  }

  let recomputeQueued = false;
  function recompute() {
    recomputeQueued = false;
    for (const update of updaters) update();
  }

  // --- Saving ---------------------------------------------------------------------------------------

  function setStatus(text, kind) {
    statusBox.textContent = text || "";
    statusBox.className = `editor-status${kind ? ` status-${kind}` : ""}`;
  }

  function changed() {
    state.dirty = true;
    state.changes += 1;
    if (!recomputeQueued) {
      recomputeQueued = true;
      window.requestAnimationFrame(recompute);
    }
    if (statusBox.textContent !== t("unsaved")) setStatus(t("unsaved"));
    scheduleAutosave();
  }

  // Autosave after a pause: a draft is saved once the supplier stops typing for a while.
  function scheduleAutosave() {
    window.clearTimeout(state.timer);
    const seconds = Number(config.autosave_seconds) || 0;
    if (seconds > 0) state.timer = window.setTimeout(() => save(true), seconds * 1000);
  }

  // The document as posted: empty exemption rows (added but never filled) are left out.
  function serialize() {
    const copy = JSON.parse(JSON.stringify(doc));
    const clean = (holder) => {
      for (const substance of holder.substances || []) {
        substance.exemptions = (substance.exemptions || []).filter(
          (e) => String(e.list || "").trim() || String(e.item || "").trim(),
        );
      }
      for (const material of holder.materials || []) clean(material);
      for (const part of holder.parts || []) clean(part);
    };
    clean(copy.product);
    return copy;
  }

  function nowText() {
    return new Date().toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  }

  function setBusy(busy) {
    state.busy = busy;
    for (const b of root.querySelectorAll("[data-action]")) b.disabled = busy;
    root.setAttribute("aria-busy", String(busy));
  }

  async function post(url) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken,
      },
      body: JSON.stringify(serialize()),
    });
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    return { response, data };
  }

  // After the first save the product exists: later saves go to its own address, and the part
  // number, which identifies it, is fixed.
  function adopt(data) {
    config.save_url = data.save_url;
    config.submit_url = data.submit_url;
    if (data.edit_url && window.location.pathname !== data.edit_url) {
      window.history.replaceState(null, "", data.edit_url);
    }
    config.part_number_locked = true;
    lockPartNumber(true);
  }

  function needsPartNumber(auto) {
    if (String(product.part_number || "").trim()) return false;
    if (!auto) {
      setStatus(t("part_number_needed"), "error");
      partNumberInput.focus();
    }
    return true;
  }

  function failed(response, data, introKey, focus) {
    if (data && Array.isArray(data.problems) && data.problems.length) {
      showProblems(data.problems, t(introKey), focus);
      setStatus("");
    } else {
      setStatus(t("request_failed", { status: response.status }), "error");
    }
  }

  async function save(auto) {
    window.clearTimeout(state.timer);
    if (state.busy || (auto && !state.dirty) || needsPartNumber(auto)) return;
    setBusy(true);
    setStatus(t("saving"));
    const changesBefore = state.changes;
    try {
      const { response, data } = await post(config.save_url);
      if (response.ok && data) {
        adopt(data);
        // Typing during the request keeps the page dirty: that input is not in this draft.
        if (state.changes === changesBefore) state.dirty = false;
        setStatus(t(auto ? "autosaved_at" : "saved_at", { time: nowText() }), "ok");
        showProblems(data.problems || [], t("draft_problems_intro"), false);
      } else {
        // An automatic save never moves the focus away from what the supplier is typing.
        failed(response, data, "save_problems_intro", !auto);
      }
    } catch {
      setStatus(t("network_error"), "error");
    } finally {
      setBusy(false);
      // Input typed while the request ran is not in that draft: its own pause timer may have fired
      // (and been skipped) meanwhile, so start a new one.
      if (state.changes !== changesBefore) scheduleAutosave();
    }
  }

  async function submit() {
    window.clearTimeout(state.timer);
    if (state.busy || needsPartNumber(false)) return;
    setBusy(true);
    setStatus(t("submitting"));
    try {
      const { response, data } = await post(config.submit_url);
      if (response.ok && data && data.redirect_url) {
        state.dirty = false;
        window.location.assign(data.redirect_url);
        return;
      }
      failed(response, data, "submit_problems_intro", true);
    } catch {
      setStatus(t("network_error"), "error");
    } finally {
      setBusy(false);
    }
  }

  // --- Problems from the server ---------------------------------------------------------------------

  // The nearest input or node for a JSON path: "product.parts[0].mass.value" lands on the part's
  // mass input, a problem about a whole material on that material.
  function locate(path) {
    for (let p = path || ""; p; p = parentPath(p)) {
      if (fields.has(p)) return fields.get(p);
      if (nodes.has(p)) return nodes.get(p);
      if (parentPath(p) === p) break;
    }
    return null;
  }

  function showProblems(problems, intro, focus) {
    state.problems = problems;
    state.problemsIntro = intro;
    placeProblems();
    if (focus && problems.length) summary.focus();
  }

  function placeProblems() {
    for (const old of root.querySelectorAll(".server-problem")) old.remove();
    for (const input of root.querySelectorAll("[data-server-invalid]")) {
      input.removeAttribute("data-server-invalid");
      for (const id of (input.getAttribute("aria-describedby") || "").split(" ")) {
        if (id.startsWith("problem-")) undescribe(input, id);
      }
      syncInvalid(input);
    }
    const problems = state.problems;
    summary.hidden = !problems.length;
    if (!problems.length) {
      summary.replaceChildren();
      return;
    }
    const list = h("ul", {});
    for (const problem of problems) {
      uid += 1;
      const id = `problem-${uid}`;
      const severity = problem.severity === "error" ? "error" : "warning";
      const badge = h("span", { class: `badge badge-${severity}`, text: t(severity) });
      const target = locate(problem.json_path);
      const item = h("li", { class: `problem-${severity}` }, badge, " ");
      if (target) {
        const here = h("p", { class: `server-problem problem-${severity}`, id }, badge.cloneNode(true), ` ${problem.message}`);
        if (target.messages) target.messages.append(here);
        else target.problems.append(here);
        if (target.input) {
          describe(target.input, id);
          if (severity === "error") target.input.setAttribute("data-server-invalid", "");
          syncInvalid(target.input);
        }
        const link = h("a", { href: `#${id}`, text: problem.message });
        link.addEventListener("click", (event) => {
          event.preventDefault();
          revealFor(here);
          const focusable = target.input || here;
          if (!target.input) here.tabIndex = -1;
          focusable.focus();
          focusable.scrollIntoView({ block: "center" });
        });
        item.append(link);
      } else {
        item.append(problem.message);
      }
      list.append(item);
    }
    summary.replaceChildren(
      h("h2", { text: t("problems_heading") }),
      h("p", { text: state.problemsIntro }),
      list,
    );
  }

  // --- Start ----------------------------------------------------------------------------------------

  for (const action of root.querySelectorAll("[data-action]")) {
    action.addEventListener("click", () => (action.dataset.action === "submit" ? submit() : save(false)));
  }
  root.addEventListener("keydown", (event) => {
    // Ctrl+S / Cmd+S saves the draft instead of the browser's "save page".
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      save(false);
    }
  });
  window.addEventListener("beforeunload", (event) => {
    if (state.dirty) {
      event.preventDefault();
      event.returnValue = t("leave_unsaved");
    }
  });
  root.hidden = false;
  render();
})();
