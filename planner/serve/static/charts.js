// Small SVG charts drawn from data (no library, nothing loaded from the internet).
// Text is set with textContent only: names from the data are never parsed as markup.
"use strict";
(function () {
  const NS = "http://www.w3.org/2000/svg";
  const W = 640, H = 270, M = { top: 14, right: 12, bottom: 70, left: 56 };

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (parent) parent.appendChild(node);
    return node;
  }

  function text(parent, x, y, value, attrs) {
    const node = el("text", Object.assign({ x: x, y: y }, attrs || {}), parent);
    node.textContent = value;
    return node;
  }

  function niceMax(value) {
    if (!(value > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(value)));
    for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= value) return m * p;
    return 10 * p;
  }

  function frame(container, top, format) {
    container.textContent = "";
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "svgchart" }, container);
    const plotH = H - M.top - M.bottom;
    const y = (v) => M.top + plotH - (v / top) * plotH;
    for (let i = 0; i <= 4; i++) {
      const v = (top * i) / 4;
      el("line", { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v), class: "grid" }, svg);
      text(svg, M.left - 6, y(v) + 4, format(v), { "text-anchor": "end", class: "axis" });
    }
    return { svg: svg, y: y };
  }

  function label(svg, x, value) {
    const t = text(svg, x, H - M.bottom + 14, value,
      { "text-anchor": "end", class: "axis", transform: `rotate(-35 ${x} ${H - M.bottom + 14})` });
    return t;
  }

  // Steps {step, start, end}: floating bars from start to end; the first and last from 0.
  function waterfall(container, steps, format) {
    const top = niceMax(Math.max(...steps.map((s) => Math.max(s.start, s.end)), 1) * 1.05);
    const { svg, y } = frame(container, top, (v) => v.toFixed(1) + "x");
    const band = (W - M.left - M.right) / steps.length;
    steps.forEach((s, i) => {
      const x = M.left + i * band + band * 0.15;
      const lo = Math.min(s.start, s.end), hi = Math.max(s.start, s.end);
      const ends = i === 0 || i === steps.length - 1;
      const cls = ends ? "bar total" : (s.end >= s.start ? "bar up" : "bar down");
      const bar = el("rect", { x: x, width: band * 0.7, y: y(hi),
        height: Math.max(1, y(lo) - y(hi)), class: cls, "data-step": s.step }, svg);
      el("title", {}, bar).textContent = `${s.step}: ${format(s.end - s.start)}`;
      text(svg, x + band * 0.35, y(hi) - 3, format(ends ? s.end : s.end - s.start),
        { "text-anchor": "middle", class: "value" });
      label(svg, x + band * 0.55, s.step);
    });
    return svg;
  }

  // Grouped bars: categories along x, one bar per series {name, values, cls}.
  function bars(container, categories, series, format) {
    const all = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v));
    const top = niceMax(Math.max(...all, 0) * 1.05);
    const { svg, y } = frame(container, top, format);
    const band = (W - M.left - M.right) / Math.max(categories.length, 1);
    const width = (band * 0.8) / series.length;
    categories.forEach((c, i) => {
      series.forEach((s, j) => {
        const v = s.values[i];
        if (!Number.isFinite(v)) return;
        const x = M.left + i * band + band * 0.1 + j * width;
        const bar = el("rect", { x: x, width: width * 0.92, y: y(v), height: Math.max(0, y(0) - y(v)),
          class: "bar " + s.cls }, svg);
        el("title", {}, bar).textContent = `${c} ${s.name}: ${format(v)}`;
      });
      label(svg, M.left + i * band + band * 0.6, c);
    });
    series.forEach((s, j) => {
      const x = W - M.right - 120 * (series.length - j);
      el("rect", { x: x, y: 2, width: 10, height: 10, class: "bar " + s.cls }, svg);
      text(svg, x + 14, 11, s.name, { class: "axis" });
    });
    return svg;
  }

  window.PlannerCharts = { waterfall: waterfall, bars: bars };
})();
