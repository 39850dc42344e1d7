// The what-if page: every change re-solves the driver model through POST /api/drivers.
// One request at a time: changes made while a solve runs are sent together when it returns.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  let L = window.PLANNER_LABELS.en;
  const page = { state: null, changes: { levers: {} }, result: null, busy: false, pending: false,
    hiresTouched: false, hires: [], seq: 0 };

  function t(key) { return L[key] || key; }
  function pct(v) { return v === null || v === undefined ? "" : (v >= 0 ? "+" : "") + (v * 100).toFixed(1) + "%"; }
  function money(v) { return v === null || v === undefined ? "" : Math.round(v).toLocaleString("en-US"); }
  function short(v) {
    const a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(2) + "bn";
    if (a >= 1e6) return (v / 1e6).toFixed(1) + "m";
    if (a >= 1e3) return (v / 1e3).toFixed(0) + "k";
    return v.toFixed(0);
  }
  function cell(tr, value, cls) {
    const td = document.createElement("td");
    if (cls) td.className = cls;
    if (value instanceof Node) td.appendChild(value); else td.textContent = value;
    tr.appendChild(td);
    return td;
  }
  function input(type, attrs) {
    const node = document.createElement("input");
    node.type = type;
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }

  async function api(method, path, body) {
    const options = { method: method, headers: {}, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    const data = await response.json().catch(() => ({ error: response.statusText }));
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }

  // The what-if as the API takes it: only what the page has touched.
  function body() {
    const out = {};
    const s = page.state.scenario;
    if (s.target_amount === null) out.target_multiple = Number($("target-multiple-num").value);
    out.buffer = Number($("buffer").value);
    const levers = {};
    for (const [name, c] of Object.entries(page.changes.levers)) levers[name] = Object.assign({}, c);
    if (Object.keys(levers).length) out.levers = levers;
    if (page.hiresTouched) out.hires = page.hires.map((h) => Object.assign({}, h));
    return out;
  }

  function solve() {
    if (page.busy) { page.pending = true; return; }
    page.busy = true;
    page.pending = false;
    document.body.dataset.idle = "false";
    const seq = ++page.seq;
    const started = performance.now();
    api("POST", "/api/drivers", body()).then((result) => {
      page.result = result;
      render(result);
      $("solve-ms").textContent = Math.round(performance.now() - started) + " ms";
    }).catch((err) => showError(err.message)).finally(() => {
      page.busy = false;
      document.body.dataset.solved = String(seq);
      if (page.pending) solve(); else document.body.dataset.idle = "true";
    });
  }

  function showError(message) {
    const status = $("status");
    status.dataset.state = "error";
    status.textContent = t("error");
    const box = $("feasibility");
    box.className = "panel bad";
    box.textContent = message;
    box.dataset.error = message;
  }

  function render(r) {
    const status = $("status");
    status.dataset.state = r.feasible ? "feasible" : "infeasible";
    status.textContent = r.feasible ? t("feasible") : t("infeasible");
    const box = $("feasibility");
    delete box.dataset.error;
    box.className = r.feasible ? "panel" : "panel bad";
    const reach = r.reach_multiple === null ? "-" : r.reach_multiple.toFixed(2) + "x";
    box.textContent = `${r.multiple.toFixed(2)}x = ${money(r.target)} · ${t("reach")}: ${reach}` +
      (r.feasible ? "" : ` · ${r.message}`);
    box.dataset.reach = r.reach_multiple === null ? "" : String(r.reach_multiple);
    const diag = $("diagnosis");
    diag.hidden = r.feasible;
    diag.textContent = r.diagnosis || "";
    for (const lever of r.levers) renderLever(lever);
    if (r.waterfall.length) window.PlannerCharts.waterfall($("waterfall"), r.waterfall, (v) => v.toFixed(2) + "x");
    else $("waterfall").textContent = "";
  }

  function renderLever(lever) {
    let tr = document.querySelector(`#levers tr[data-lever="${CSS.escape(lever.lever)}"]`);
    if (!tr) tr = leverRow(lever, null);
    const value = tr.querySelector(".uplift-value");
    value.textContent = pct(lever.uplift);
    value.dataset.value = String(lever.uplift);
    const slider = tr.querySelector(".uplift");
    if (slider && !page.changes.levers[lever.lever]?.dragging) slider.value = String(lever.uplift);
    const tag = tr.querySelector(".binding");
    tag.textContent = lever.binding === "cap" ? t("at_cap") : lever.binding === "fixed" ? t("is_fixed") : "";
    tag.className = "binding" + (lever.binding ? " tag" + (lever.binding === "fixed" ? " fixed" : "") : "");
    tag.dataset.value = lever.binding;
    const worth = tr.querySelector(".marginal");
    worth.textContent = lever.marginal_value ? short(lever.marginal_value) : "";
    worth.title = lever.marginal_value ? money(lever.marginal_value) : "";
  }

  function leverRow(lever, setting) {
    const tbody = document.querySelector("#levers tbody");
    const tr = document.createElement("tr");
    tr.dataset.lever = lever.lever;
    const name = cell(tr, lever.lever);
    name.title = lever.scope;
    const settable = setting !== null;
    const up = document.createElement("span");
    if (settable) {
      const capTop = setting.cap === null ? 3 : setting.cap;
      const slider = input("range", { class: "uplift", min: Math.max(setting.min, -0.99), max: capTop,
        step: 0.005, "aria-label": `${lever.lever} ${t("uplift")}` });
      slider.addEventListener("input", () => {
        const c = page.changes.levers[lever.lever] = page.changes.levers[lever.lever] || {};
        c.fixed = Number(slider.value);
        tr.querySelector(".fixed").checked = true;
        solve();
      });
      up.appendChild(slider);
    }
    const value = document.createElement("span");
    value.className = "uplift-value";
    up.appendChild(value);
    cell(tr, up);
    const fixedBox = input("checkbox", { class: "fixed", "aria-label": `${lever.lever} ${t("fixed")}` });
    fixedBox.disabled = !settable;
    if (settable) {
      fixedBox.checked = setting.fixed !== null;
      fixedBox.addEventListener("change", () => {
        const c = page.changes.levers[lever.lever] = page.changes.levers[lever.lever] || {};
        c.fixed = fixedBox.checked ? Number(tr.querySelector(".uplift").value) : null;
        solve();
      });
    }
    cell(tr, fixedBox);
    const capCell = document.createElement("span");
    if (settable) {
      const base = setting.cap === null ? 1 : setting.cap;
      const top = Math.min(100, Math.max(1, base * 2, base + 1));
      const cap = input("range", { class: "cap", min: Math.max(setting.min, 0), max: top, step: 0.01,
        "aria-label": `${lever.lever} ${t("cap")}` });
      cap.value = String(base);
      const shown = document.createElement("span");
      shown.className = "cap-value";
      shown.textContent = setting.cap === null ? t("no_cap") : pct(setting.cap);
      cap.addEventListener("input", () => {
        const c = page.changes.levers[lever.lever] = page.changes.levers[lever.lever] || {};
        c.cap = Number(cap.value);
        shown.textContent = pct(c.cap);
        tr.querySelector(".uplift").max = cap.value;
        solve();
      });
      capCell.append(cap, shown);
    } else {
      capCell.textContent = pct(lever.cap);
    }
    cell(tr, capCell);
    cell(tr, Object.assign(document.createElement("span"), { className: "binding" }));
    cell(tr, Object.assign(document.createElement("span"), { className: "marginal" }), "num");
    tbody.appendChild(tr);
    return tr;
  }

  function renderHires() {
    const tbody = document.querySelector("#hires tbody");
    tbody.textContent = "";
    const choices = page.state.choices;
    page.hires.forEach((h, i) => {
      const tr = document.createElement("tr");
      const select = (values, key) => {
        const s = document.createElement("select");
        for (const v of values) s.appendChild(new Option(String(v), String(v), false, String(v) === String(h[key])));
        s.addEventListener("change", () => { h[key] = key === "month" ? Number(s.value) : s.value; touched(); });
        return s;
      };
      cell(tr, select(choices.grades.includes(h.grade) ? choices.grades : [h.grade, ...choices.grades], "grade"));
      cell(tr, select(choices.teams.includes(h.team) ? choices.teams : [h.team, ...choices.teams], "team"));
      cell(tr, select([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], "month"));
      const count = input("number", { min: 0, max: 100000, step: 1, class: "hire-count" });
      count.value = String(h.count);
      count.addEventListener("change", () => { h.count = Math.max(0, Math.round(Number(count.value))); touched(); });
      cell(tr, count);
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "small";
      remove.textContent = "×";
      remove.title = t("remove");
      remove.addEventListener("click", () => { page.hires.splice(i, 1); renderHires(); touched(); });
      cell(tr, remove);
      tbody.appendChild(tr);
    });
  }

  function touched() { page.hiresTouched = true; solve(); }

  function runPlan() {
    $("plan-btn").disabled = true;
    $("plan-progress").hidden = false;
    $("download").hidden = true;
    api("POST", "/api/plan", body()).then(pollPlan).catch((err) => planError(err.message));
  }

  function pollPlan(job) {
    $("plan-step").textContent = job.progress.length ? job.progress[job.progress.length - 1] : t("plan_running");
    if (job.state === "running") { setTimeout(() => api("GET", "/api/plan").then(pollPlan), 400); return; }
    $("plan-btn").disabled = false;
    $("plan-progress").hidden = true;
    if (job.state === "error") { planError(job.error, job.diagnosis); return; }
    $("plan-step").textContent = `${t("plan_done")} (${job.seconds.toFixed(1)} s)`;
    $("download").hidden = !job.download;
    renderPlan(job.result);
  }

  function planError(message, diagnosis) {
    $("plan-btn").disabled = false;
    $("plan-progress").hidden = true;
    $("plan-step").textContent = message;
    $("plan-step").className = "error";
    if (diagnosis) { $("diagnosis").hidden = false; $("diagnosis").textContent = diagnosis; }
  }

  function renderPlan(plan) {
    $("plan-step").className = "muted";
    $("plan-result").hidden = false;
    $("plan-summary").textContent = `${plan.name}: ${plan.multiple.toFixed(2)}x · ${t("team_total")} ${money(plan.team_total)}`;
    $("plan-summary").dataset.value = String(plan.team_total);
    const tbody = document.querySelector("#teams tbody");
    tbody.textContent = "";
    for (const th of document.querySelectorAll("#teams .risk")) th.hidden = !plan.risk;
    for (const team of plan.teams) {
      const tr = document.createElement("tr");
      tr.dataset.team = team.team;
      cell(tr, team.name === team.team ? team.team : `${team.team} ${team.name}`);
      const target = cell(tr, money(team.target), "num target");
      target.dataset.value = String(team.target);
      cell(tr, money(team.last_year), "num");
      cell(tr, money(team.capacity), "num");
      if (plan.risk) cell(tr, team.p_attain === null ? "" : (team.p_attain * 100).toFixed(0) + "%", "num");
      tbody.appendChild(tr);
    }
    window.PlannerCharts.bars($("monthly-chart"), plan.months.map((m) => m.month.slice(5)),
      [{ name: t("this_year"), values: plan.months.map((m) => m.amount), cls: "plan" },
       { name: t("last_year_short"), values: plan.months.map((m) => m.last_year), cls: "last" }], short);
    window.PlannerCharts.bars($("capacity-chart"), plan.teams.map((x) => x.team),
      [{ name: t("capacity"), values: plan.teams.map((x) => x.capacity), cls: "cap" },
       { name: t("target"), values: plan.teams.map((x) => x.target), cls: "plan" }], short);
  }

  function save() {
    const name = $("save-name").value.trim();
    api("POST", "/api/save", { name: name, changes: body() }).then((saved) => {
      $("save-msg").textContent = `${t("saved")}: ${saved.file}`;
      $("save-msg").className = "muted";
      $("save-msg").dataset.file = saved.file;
      page.state.variants.push(saved.variant);
      renderVariants();
      $("save-name").value = suggestName();
    }).catch((err) => { $("save-msg").textContent = err.message; $("save-msg").className = "error"; });
  }

  function suggestName() {
    return `${page.state.scenario.name}-v${page.state.variants.length + 1}`;
  }

  // Side by side: the opened scenario and every saved variant, as `planner compare` lays them out.
  function renderVariants() {
    const columns = [{ name: t("opened") + ": " + page.state.scenario.name, drivers: page.state.opened },
      ...page.state.variants];
    const thead = document.querySelector("#variants thead");
    const tbody = document.querySelector("#variants tbody");
    thead.textContent = "";
    tbody.textContent = "";
    if (columns.length < 2) return;
    const head = document.createElement("tr");
    cell(head, "");
    for (const c of columns) cell(head, c.name);
    thead.appendChild(head);
    const row = (label, f) => {
      const tr = document.createElement("tr");
      cell(tr, label);
      for (const c of columns) cell(tr, f(c.drivers), "num");
      tbody.appendChild(tr);
    };
    row(t("target_row"), (d) => d.multiple.toFixed(2) + "x");
    row(t("feasible_row"), (d) => (d.feasible ? "✓" : "✗"));
    row(t("reach"), (d) => (d.reach_multiple === null ? "" : d.reach_multiple.toFixed(2) + "x"));
    row(t("buffer_row"), (d) => pct(d.buffer));
    const names = columns[0].drivers.levers.map((l) => l.lever);
    for (const name of names) {
      row(`${name} ${t("lever_row")}`, (d) => {
        const l = d.levers.find((x) => x.lever === name);
        return l ? pct(l.uplift) : "";
      });
    }
  }

  function renderWarnings(list) {
    const ul = $("warnings");
    ul.textContent = "";
    for (const w of list) { const li = document.createElement("li"); li.textContent = w; ul.appendChild(li); }
  }

  function translate() {
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  }

  async function start() {
    const state = await api("GET", "/api/state");
    page.state = state;
    L = window.PLANNER_LABELS[state.lang] || window.PLANNER_LABELS.en;
    translate();
    const s = state.scenario;
    $("scenario-name").textContent = `${s.name} (${s.file}, ${s.year})`;
    $("last-year").textContent = `${t("last_year")}: ${money(s.history_total)}`;
    const view = state.view || {};
    const multiple = view.target_multiple ?? s.target_multiple;
    if (s.target_amount !== null) $("target-field").hidden = true;
    $("target-multiple").value = String(multiple);
    $("target-multiple-num").value = String(multiple);
    $("buffer").value = String(view.buffer ?? s.buffer);
    $("buffer-out").textContent = pct(Number($("buffer").value));
    page.changes.levers = view.levers && typeof view.levers === "object" ? view.levers : {};
    page.hires = (view.hires || state.hires).map((h) => Object.assign({}, h));
    page.hiresTouched = Boolean(view.hires);
    const settings = Object.fromEntries(state.levers.map((l) => [l.lever, l]));
    for (const lever of state.opened.levers) leverRow(lever, settings[lever.lever] || null);
    for (const [name, c] of Object.entries(page.changes.levers)) {
      const tr = document.querySelector(`#levers tr[data-lever="${CSS.escape(name)}"]`);
      if (!tr) continue;
      if (c.cap !== undefined) { tr.querySelector(".cap").value = String(c.cap); tr.querySelector(".cap-value").textContent = pct(c.cap); }
      if (c.fixed !== undefined) tr.querySelector(".fixed").checked = c.fixed !== null;
    }
    renderHires();
    renderWarnings(state.warnings);
    renderVariants();
    $("save-name").value = suggestName();
    $("target-multiple").addEventListener("input", () => { $("target-multiple-num").value = $("target-multiple").value; solve(); });
    $("target-multiple-num").addEventListener("change", () => { $("target-multiple").value = $("target-multiple-num").value; solve(); });
    $("buffer").addEventListener("input", () => { $("buffer-out").textContent = pct(Number($("buffer").value)); solve(); });
    $("add-hire").addEventListener("click", () => {
      page.hires.push({ grade: state.choices.grades[0], team: state.choices.teams[0], month: 1, count: 1 });
      renderHires();
      touched();
    });
    $("plan-btn").addEventListener("click", runPlan);
    $("save-btn").addEventListener("click", save);
    if (state.plan.state === "done") { $("download").hidden = !state.plan.download; renderPlan(state.plan.result); }
    solve();
  }

  document.addEventListener("DOMContentLoaded", () => start().catch((err) => showError(err.message)));
})();
