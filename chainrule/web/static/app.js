// chainrule's page for learners. Hand-written, no libraries: it asks the local JSON API
// (docs/web.md) and draws what comes back. The curve is sampled once per expression and
// window; while the point is dragged the exact slope comes from the API, one request in
// flight at a time (the newest position waits, older ones are dropped).
"use strict";

const TUTORIAL = "5x^4 + 3x^3 + 7x^2 + 9x - 5";
const MATHML = "http://www.w3.org/1998/Math/MathML";
const SVG = "http://www.w3.org/2000/svg";
const W = 640, H = 400, PAD = { left: 48, right: 14, top: 14, bottom: 30 };

const $ = (id) => document.getElementById(id);
const state = {
  f: "", x: 2, variable: "x", curve: null, tangent: null, value: null, order: 1,
  inflight: false, pending: null, graphTimer: null, generation: 0,
};

// ---------------------------------------------------------------------------------------
// The API.

async function api(endpoint, body) {
  let response;
  try {
    response = await fetch("/api/" + endpoint, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch (err) {
    return { ok: false, data: { error: "the server cannot be reached; is chainrule serve " +
                                       "still running?", kind: "network" } };
  }
  let data;
  try { data = await response.json(); } catch (err) {
    data = { error: "the server sent a reply that is not JSON (status " + response.status + ")" };
  }
  return { ok: response.ok, status: response.status, data };
}

// ---------------------------------------------------------------------------------------
// Small DOM helpers.

function setMath(id, mathml, fallback) {
  // The API's MathML is parsed as XML (never as HTML) and only a <math> element is shown.
  const el = $(id);
  el.replaceChildren();
  const doc = new DOMParser().parseFromString(mathml || "", "application/xml");
  const root = doc.documentElement;
  if (root && root.namespaceURI === MATHML && root.localName === "math") {
    el.appendChild(document.importNode(root, true));
  } else {
    el.textContent = fallback || "";
  }
  if (fallback) el.title = fallback;
}

function mathNode(mathml) {
  const doc = new DOMParser().parseFromString(mathml || "", "application/xml");
  const root = doc.documentElement;
  return root && root.namespaceURI === MATHML ? document.importNode(root, true) : null;
}

function show(id, visible) { $(id).hidden = !visible; }

function num(v) {
  // Like the server's numbers: 233, 0.5, 1.234567e+20, with a real minus sign.
  if (v === null || v === undefined || !isFinite(v)) return "undefined";
  let s;
  if (v === 0) s = "0";
  else if (Number.isInteger(v) && Math.abs(v) < 1e15) s = String(v);
  else s = String(Number(v.toPrecision(10)));
  return s.replace("-", "\u2212");
}

function showError(text, err) {
  // The parser's message, with the input and a caret under the column it names.
  const box = $("f-error");
  let shown = err.error || "error";
  if (err.field === "f" && err.column && text.length <= 200) {
    const before = Array.from(text).slice(0, err.column - 1).map(() => " ").join("");
    shown = text + "\n" + before + "^\n" + shown;
    const input = $("f");
    input.setAttribute("aria-invalid", "true");
    const at = Math.min(err.column - 1, text.length);
    input.setSelectionRange(at, at + 1);
  }
  box.textContent = shown;
  show("f-error", true);
}

function clearError() {
  show("f-error", false);
  $("f").removeAttribute("aria-invalid");
}

// ---------------------------------------------------------------------------------------
// Computing: a whole new function, or only a new point.

function readX() {
  const text = $("x").value.trim().replace("\u2212", "-");
  const x = Number(text);
  if (text === "" || !isFinite(x)) return null;
  return x;
}

async function computeAll() {
  const f = $("f").value;
  const x = readX();
  if (x === null) {
    showError(f, { error: "the point x must be a number, such as 2 or -0.5" });
    return;
  }
  const generation = ++state.generation;
  document.body.dataset.state = "busy";
  const order = $("show-second").checked ? 2 : 1;
  const result = await api("derivative", { f, x, order, steps: true });
  if (generation !== state.generation) return;
  if (!result.ok) {
    showError(f, result.data);
    document.body.dataset.state = "error";
    return;
  }
  clearError();
  state.f = f;
  state.x = x;
  state.order = order;
  showDerivative(result.data, true);
  showSteps(result.data);
  updateShare();
  await loadCurve(generation, x);
  if (generation !== state.generation) return;
  await loadGraph(generation);
  if (generation === state.generation) document.body.dataset.state = "ready";
}

function showDerivative(d, formulas) {
  const v = d.variable;
  state.variable = v;
  state.value = d.value;
  state.tangent = d.tangent;
  if (formulas) {
    $("f-label").textContent = `f(${v})`;
    $("d1-label").textContent = `f\u2032(${v})`;
    $("d2-label").textContent = `f\u2033(${v})`;
    $("answer-label").textContent = `Your f\u2032(${v}) =`;
    setMath("f-formula", d.expression.mathml, d.expression.unicode);
    setMath("d1-formula", d.derivatives[0].formula.mathml, d.derivatives[0].formula.unicode);
    const second = d.derivatives[1];
    show("second-row", !!second);
    if (second) setMath("d2-formula", second.formula.mathml, second.formula.unicode);
  }
  pointLabels(d.x);
  $("fval").textContent = d.value_text;
  $("slope").textContent = d.derivatives[0].value_text;
  const second = d.derivatives[1];
  show("second-value-line", !!second);
  if (second) $("d2val").textContent = second.value_text;
  $("tangent").textContent = d.tangent.text;
  show("point-error", false);
}

function pointLabels(x) {
  const v = state.variable, at = num(x);
  $("fval-label").textContent = `f(${at})`;
  $("slope-label").textContent = `f\u2032(${at})`;
  $("d2val-label").textContent = `f\u2033(${at})`;
  $("tangent-at").textContent = `${v} = ${at}`;
  $("graph-at").textContent = `${v} = ${at}`;
}

function showSteps(d) {
  const list = $("steps");
  list.replaceChildren();
  show("steps-note", !d.steps);
  if (!d.steps) {
    $("steps-note").textContent = d.steps_note || "";
    return;
  }
  for (const s of d.steps) {
    const li = document.createElement("li");
    li.style.marginLeft = (1.4 * s.depth) + "em";
    const rule = document.createElement("strong");
    rule.textContent = s.rule;
    const text = document.createElement("span");
    text.className = "step-text";
    text.textContent = s.text.slice(s.rule.length + 1);
    li.append(rule, ":", text);
    list.appendChild(li);
  }
}

async function loadCurve(generation, x) {
  const r = await api("curve", { f: state.f, x, n: 601 });
  if (generation !== state.generation) return;
  if (!r.ok) { state.curve = null; draw(); return; }
  state.curve = r.data;
  const slider = $("slider");
  slider.min = r.data.lo;
  slider.max = r.data.hi;
  slider.step = (r.data.hi - r.data.lo) / 600;
  slider.value = x;
  draw();
}

async function loadGraph(generation) {
  const r = await api("graph", { f: state.f, x: state.x });
  if (generation !== state.generation) return;
  const body = $("graph-table").querySelector("tbody");
  body.replaceChildren();
  const img = $("graph-img");
  show("graph-note", false);
  if (!r.ok || !r.data.svg) {
    img.removeAttribute("src");
    $("graph-note").textContent = r.ok ? r.data.note : r.data.error;
    show("graph-note", true);
    return;
  }
  // As an image: an SVG shown through <img> can run nothing.
  img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(r.data.svg);
  for (const n of r.data.nodes.slice().reverse()) {
    if (n.kind === "constant") continue;
    const tr = document.createElement("tr");
    tr.className = "node-" + n.kind;
    for (const cell of [n.name, n.formula || (n.kind === "input" ? "input" : ""),
                        n.value_text, n.grad_text === null ? "" : n.grad_text]) {
      const td = document.createElement("td");
      td.textContent = cell === null ? "" : cell;
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
}

// A new point on the same function: exact numbers from the API, one request at a time.
function movePoint(x, options) {
  state.x = x;
  $("x").value = String(x);
  $("slider").value = x;
  draw(true);
  updateShare();
  if (state.inflight) { state.pending = x; return; }
  requestPoint(x);
  clearTimeout(state.graphTimer);
  state.graphTimer = setTimeout(() => loadGraph(state.generation), options && options.now ? 0 : 250);
}

async function requestPoint(x) {
  state.inflight = true;
  const generation = state.generation;
  document.body.dataset.state = "busy";
  const r = await api("derivative", { f: state.f, x, order: state.order });
  state.inflight = false;
  if (generation !== state.generation) return;
  if (r.ok) {
    showDerivative(r.data, false);
  } else {
    state.tangent = null;
    $("point-error").textContent = r.data.error;
    show("point-error", true);
    pointLabels(x);
    for (const id of ["fval", "slope", "d2val", "tangent"]) $(id).textContent = "undefined";
  }
  draw();
  if (state.pending !== null) {
    const next = state.pending;
    state.pending = null;
    if (next !== x) { requestPoint(next); return; }
  }
  document.body.dataset.state = "ready";
}

// ---------------------------------------------------------------------------------------
// The plot.

function niceStep(span) {
  const raw = span / 6;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

function el(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}

function interpolate(xs, ys, x) {
  const n = xs.length;
  const t = (x - xs[0]) / (xs[n - 1] - xs[0]) * (n - 1);
  const i = Math.max(0, Math.min(n - 2, Math.floor(t)));
  const a = ys[i], b = ys[i + 1];
  if (a === null || b === null) return null;
  return a + (b - a) * (t - i);
}

function draw(fromSamples) {
  const svg = $("plot");
  svg.replaceChildren();
  const c = state.curve;
  if (!c) return;
  const both = $("show-derivative").checked;
  const ylim = (both ? c.ylim_with_derivative : c.ylim) || [-1, 1];
  const sx = (x) => PAD.left + (x - c.lo) / (c.hi - c.lo) * (W - PAD.left - PAD.right);
  const sy = (y) => H - PAD.bottom - (y - ylim[0]) / (ylim[1] - ylim[0]) * (H - PAD.top - PAD.bottom);
  svg.appendChild(el("rect", { x: PAD.left, y: PAD.top, width: W - PAD.left - PAD.right,
                               height: H - PAD.top - PAD.bottom, class: "frame" }));
  // Grid and ticks.
  for (const [lo, hi, vertical] of [[c.lo, c.hi, true], [ylim[0], ylim[1], false]]) {
    const step = niceStep(hi - lo);
    for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) {
      const label = num(Number(t.toPrecision(6)));
      if (vertical) {
        svg.appendChild(el("line", { x1: sx(t), x2: sx(t), y1: PAD.top, y2: H - PAD.bottom,
                                     class: Math.abs(t) < step / 1e6 ? "axis" : "grid" }));
        svg.appendChild(el("text", { x: sx(t), y: H - PAD.bottom + 16, class: "tick",
                                     "text-anchor": "middle" }, label));
      } else {
        svg.appendChild(el("line", { x1: PAD.left, x2: W - PAD.right, y1: sy(t), y2: sy(t),
                                     class: Math.abs(t) < step / 1e6 ? "axis" : "grid" }));
        svg.appendChild(el("text", { x: PAD.left - 6, y: sy(t) + 4, class: "tick",
                                     "text-anchor": "end" }, label));
      }
    }
  }
  const clip = el("clipPath", { id: "plot-clip" });
  clip.appendChild(el("rect", { x: PAD.left, y: PAD.top, width: W - PAD.left - PAD.right,
                                height: H - PAD.top - PAD.bottom }));
  svg.appendChild(clip);
  const g = el("g", { "clip-path": "url(#plot-clip)" });
  svg.appendChild(g);
  const path = (ys) => {
    // Break the line where f is undefined or leaves the window by far (a pole).
    let d = "", pen = false;
    const span = ylim[1] - ylim[0];
    for (let i = 0; i < c.xs.length; i++) {
      const y = ys[i];
      if (y === null || y < ylim[0] - 10 * span || y > ylim[1] + 10 * span) { pen = false; continue; }
      d += (pen ? "L" : "M") + sx(c.xs[i]).toFixed(1) + " " + sy(y).toFixed(1);
      pen = true;
    }
    return d;
  };
  if (both) g.appendChild(el("path", { d: path(c.dys), class: "derivative" }));
  g.appendChild(el("path", { d: path(c.ys), class: "curve" }));
  // The tangent: exact from the API, or from the samples while the answer is on its way.
  let y0 = state.value, slope = state.tangent ? state.tangent.slope : null;
  if (fromSamples) {
    y0 = interpolate(c.xs, c.ys, state.x);
    slope = interpolate(c.xs, c.dys, state.x);
  }
  if (y0 !== null && slope !== null && isFinite(y0) && isFinite(slope)) {
    const ya = y0 + slope * (c.lo - state.x), yb = y0 + slope * (c.hi - state.x);
    g.appendChild(el("line", { x1: sx(c.lo), y1: sy(ya), x2: sx(c.hi), y2: sy(yb),
                               class: "tangent" }));
    const dot = el("circle", { cx: sx(state.x), cy: sy(y0), r: 7, id: "point",
                               class: "point" });
    g.appendChild(dot);
  }
  // A legend.
  const items = [["curve", `f(${state.variable})`], ["tangent", "tangent"]];
  if (both) items.push(["derivative", `f\u2032(${state.variable})`]);
  items.forEach(([cls, label], i) => {
    const y = PAD.top + 16 + 18 * i;
    svg.appendChild(el("line", { x1: PAD.left + 10, x2: PAD.left + 34, y1: y - 4, y2: y - 4,
                                 class: cls }));
    svg.appendChild(el("text", { x: PAD.left + 40, y, class: "legend" }, label));
  });
  state.toX = (px) => c.lo + (px - PAD.left) / (W - PAD.left - PAD.right) * (c.hi - c.lo);
}

function pointerX(event) {
  const svg = $("plot");
  const box = svg.getBoundingClientRect();
  const px = (event.clientX - box.left) / box.width * W;
  const c = state.curve;
  let x = state.toX(px);
  x = Math.max(c.lo, Math.min(c.hi, x));
  // Round to the slider's step (a two-decimal number for the default window): clean values.
  const step = (c.hi - c.lo) / 600;
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  return Number(x.toFixed(digits));
}

function setupPlot() {
  const svg = $("plot");
  let dragging = false;
  svg.addEventListener("pointerdown", (e) => {
    if (!state.curve) return;
    dragging = true;
    svg.setPointerCapture(e.pointerId);
    movePoint(pointerX(e));
    e.preventDefault();
  });
  svg.addEventListener("pointermove", (e) => {
    if (dragging) movePoint(pointerX(e));
  });
  const stop = () => { dragging = false; };
  svg.addEventListener("pointerup", stop);
  svg.addEventListener("pointercancel", stop);
  svg.addEventListener("keydown", (e) => {
    if (!state.curve || (e.key !== "ArrowLeft" && e.key !== "ArrowRight")) return;
    const step = Number($("slider").step) * (e.shiftKey ? 10 : 1);
    const x = Math.max(state.curve.lo, Math.min(state.curve.hi,
      state.x + (e.key === "ArrowRight" ? step : -step)));
    movePoint(Number(x.toPrecision(12)));
    e.preventDefault();
  });
  $("slider").addEventListener("input", () => {
    const c = state.curve;
    if (!c) return;
    const step = (c.hi - c.lo) / 600;
    const digits = Math.max(0, -Math.floor(Math.log10(step)));
    movePoint(Number(Number($("slider").value).toFixed(digits)));
  });
  $("show-derivative").addEventListener("change", () => draw());
}

// ---------------------------------------------------------------------------------------
// Check my answer, the share link, the start.

async function checkAnswer() {
  const out = $("check-result");
  out.className = "";
  out.textContent = "checking\u2026";
  const r = await api("check", { f: state.f, answer: $("answer").value, x: state.x });
  if (!r.ok) {
    out.className = "wrong";
    out.textContent = r.data.error;
    return;
  }
  out.className = r.data.correct === true ? "right" : r.data.correct === false ? "wrong" : "";
  out.textContent = r.data.message;
}

function updateShare() {
  const query = "?f=" + encodeURIComponent(state.f) + "&x=" + encodeURIComponent(state.x);
  history.replaceState(null, "", query);
  const link = $("share-link");
  link.href = query;
  link.textContent = location.origin + "/" + query;
}

async function newPoint() {
  const x = readX();
  if (x === null || $("f").value !== state.f) { computeAll(); return; }
  clearError();
  const c = state.curve;
  if (!c || x < c.lo || x > c.hi) {
    state.generation++;
    state.x = x;
    await loadCurve(state.generation, x);
  }
  movePoint(x, { now: true });
}

function start() {
  const params = new URLSearchParams(location.search);
  $("f").value = params.get("f") || TUTORIAL;
  $("x").value = params.get("x") || "2";
  setupPlot();
  $("input-form").addEventListener("submit", (e) => { e.preventDefault(); computeAll(); });
  $("x").addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); newPoint(); }
  });
  $("check-form").addEventListener("submit", (e) => { e.preventDefault(); checkAnswer(); });
  $("show-second").addEventListener("change", computeAll);
  computeAll();
}

document.addEventListener("DOMContentLoaded", start);
