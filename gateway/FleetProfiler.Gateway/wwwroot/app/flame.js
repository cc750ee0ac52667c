// The flamegraph explorer (/app/flame): wires the page's controls to /api/timeline and /api/flame, keeps the whole view
// state in the URL (history.replaceState) so a copied link restores it, and exposes the drawn model for tests as
// window.fleetFlame. Data and drawing live in flame-model.js, flame-draw.js and flame-timeline.js.
import { fromReply, pathOf, findPath, search, topFunctions, nodesOf, sandwich, nameOf, formatValue, percent } from "./flame-model.js";
import { FlameView } from "./flame-draw.js";
import { Timeline } from "./flame-timeline.js";

const $ = (id) => document.getElementById(id);
const root = $("flame");
const FORMATS = ["svg", "pprof", "folded", "speedscope", "tree"];
const SPANS = { m: 60_000, h: 3_600_000, d: 86_400_000 };
// Kinds that are a level at an instant (docs/live-memory.md): no volume over time to draw, so the timeline shows the
// allocated bytes of the same windows (an in-use window is also an alloc window) and the graph each process's latest
// snapshot in the range.
const SNAPSHOT_KINDS = new Set(["inuse"]);

const state = readState(new URLSearchParams(location.search));
let model = null;
let hits = null;
let match = { count: 0, share: 0 };
let selectedName = -1;
let sandwichModels = null;
let loadSeq = 0;
let volume = null;
let timelineLoaded = Promise.resolve();

const status = (text) => { $("flame-status").textContent = text; };
const detail = (text) => { $("flame-detail").textContent = text; };

const view = new FlameView($("flame-canvas"), { onSelect: selectNode, onHover: (i) => detail(view.describe(i)) });
const callersView = new FlameView($("flame-callers"), { onSelect: (i) => callersView.zoomTo(i), onHover: (i) => detail(callersView.describe(i)) });
const calleesView = new FlameView($("flame-callees"), { onSelect: (i) => calleesView.zoomTo(i), onHover: (i) => detail(calleesView.describe(i)) });
const timeline = new Timeline($("flame-timeline"), { onChange: rangeChosen });

function readState(p) {
  const s = {
    service: p.get("service") || "", host: p.get("host") || "", endpoint: p.get("endpoint") || "",
    kind: p.get("kind") || "cpu", since: p.get("since") || "1h", at: p.get("at") || "",
    from: p.get("from") || "", to: p.get("to") || "", mode: p.get("mode") === "diff" ? "diff" : "flame",
    fromB: p.get("from_b") || "", toB: p.get("to_b") || "", hostB: p.get("host_b") || "",
    versionA: p.get("version") || "", versionB: p.get("version_b") || "", zoom: p.get("zoom") || "", search: p.get("search") || "",
    fn: p.get("fn") || "", view: p.get("view") === "sandwich" ? "sandwich" : "flame",
  };
  // The timeline's end is pinned on first load, so the URL names absolute times from then on.
  if (!s.at) s.at = new Date(Math.ceil(Date.now() / 60_000) * 60_000).toISOString();
  return s;
}

function writeState() {
  const p = new URLSearchParams();
  const put = (k, v) => { if (v) p.set(k, v); };
  put("service", state.service); put("host", state.host); put("endpoint", state.endpoint); put("kind", state.kind);
  put("since", state.since); put("at", state.at); put("from", state.from); put("to", state.to); put("version", state.versionA);
  if (state.mode === "diff") { p.set("mode", "diff"); put("from_b", state.fromB); put("to_b", state.toB); put("host_b", state.hostB); put("version_b", state.versionB); }
  put("zoom", state.zoom); put("search", state.search); put("fn", state.fn);
  if (state.view === "sandwich") p.set("view", "sandwich");
  history.replaceState(null, "", location.pathname + "?" + p.toString());
}

function spanMs(since) {
  const m = /^(\d+)([mhd])$/.exec(since);
  return m ? Number(m[1]) * SPANS[m[2]] : SPANS.h;
}

const windowTo = () => Date.parse(state.at);
const windowFrom = () => windowTo() - spanMs(state.since);
const rangeA = () => [state.from ? Date.parse(state.from) : windowFrom(), state.to ? Date.parse(state.to) : windowTo()];
const rangeB = () => (state.fromB && state.toB ? [Date.parse(state.fromB), Date.parse(state.toB)] : null);
// A diff of two versions needs no range B: without one, B reads A's range (the versions tell the sides apart).
const rangeBOrA = () => rangeB() || (state.versionB ? rangeA() : null);
const iso = (t) => new Date(t).toISOString();

/**
 * The query of side A, or of side B (a diff may read B on another host: a canary running the next version; or another
 * service version). The timeline asks without a version (noVersion): it shows every window of the range.
 */
function selector(side = "a", noVersion = false) {
  const p = new URLSearchParams({ service: state.service, kind: state.kind });
  const host = side === "b" && state.hostB ? state.hostB : state.host;
  if (host) p.set("host", host);
  if (state.endpoint) p.set("endpoint", state.endpoint);
  const version = side === "b" ? state.versionB : state.versionA;
  if (version && !noVersion) p.set("version", version);
  return p;
}

async function getJson(url) {
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  if (!r.ok) throw new Error((await r.text()).trim() || r.status + " " + r.statusText);
  return r.json();
}

async function loadTimeline() {
  const p = selector("a", true);
  const snapshot = SNAPSHOT_KINDS.has(state.kind);
  if (snapshot) p.set("kind", "alloc");
  p.set("from", iso(windowFrom()));
  p.set("to", iso(windowTo()));
  try {
    const data = await getJson("/api/timeline?" + p);
    volume = data;
    timeline.setData(windowFrom(), windowTo(), data);
    const total = data.values.reduce((a, b) => a + b, 0);
    $("flame-timeline-note").textContent = (total === 0
      ? `No ${snapshot ? "allocation" : state.kind} samples in the last ${state.since} before ${state.at.slice(0, 16).replace("T", " ")} UTC.`
      : `${data.windows.reduce((a, b) => a + b, 0)} windows; one bar per ${data.stepSeconds / 60} min.`) +
      (snapshot ? ` ${state.kind} is a snapshot: the bars are allocated bytes; the graph is each process's latest ${state.kind} snapshot in the range.` : "");
  } catch (e) {
    $("flame-timeline-note").textContent = "Timeline unavailable: " + e.message;
  }
}

async function loadFlame() {
  const seq = ++loadSeq;
  const [a0, a1] = rangeA();
  const p = selector();
  p.set("from", iso(a0));
  p.set("to", iso(a1));
  const b = rangeBOrA();
  if (state.mode === "diff") {
    if (!b) {
      status("Diff: drag on the timeline with “Select B” pressed to choose the range to compare with A, or choose a B version.");
      return;
    }
    p.set("mode", "diff");
    if (rangeB()) { p.set("from_b", iso(b[0])); p.set("to_b", iso(b[1])); }
    if (state.hostB) p.set("host_b", state.hostB);
    if (state.versionB) p.set("version_b", state.versionB);
  }
  updateDownloads();
  status("Loading…");
  // Asked at once, while the timeline may still be loading (the first load runs both queries side by side);
  // empty=ok: a range without data answers what is missing instead of a 404.
  p.set("empty", "ok");
  const pending = getJson("/api/flame?" + p).then((reply) => ({ reply }), (error) => ({ error }));
  await timelineLoaded;
  if (seq !== loadSeq) return;
  // Say what is missing where the timeline saw no samples, in its words (the range, the selection).
  // A snapshot kind's timeline counts allocations, not snapshots: the graph's reply says what is missing.
  for (const [side, r] of SNAPSHOT_KINDS.has(state.kind) ? [] : state.mode === "diff" ? [["A", rangeA()], ["B", b]] : [["", rangeA()]]) {
    // The timeline shows A's hosts: B on another host is not in it.
    if (volumeIn(r) === 0 && !(side === "B" && state.hostB && state.hostB !== state.host)) {
      showNothing(`No ${state.kind} samples of ${state.service}${state.host ? " on " + state.host : ""}${state.endpoint ? " in " + state.endpoint : ""}` +
        ` in range ${side ? side + " " : ""}(${iso(r[0]).slice(0, 16).replace("T", " ")} – ${iso(r[1]).slice(11, 16)} UTC): choose another range on the timeline.`);
      return;
    }
  }
  const { reply, error } = await pending;
  if (seq !== loadSeq) return;
  if (error || reply.missing) {
    showNothing(error ? error.message : reply.missing);
    return;
  }
  show(reply);
}

function showNothing(message) {
  model = null;
  view.setModel(fromReply({ nodes: 0, strings: [], name: [], file: [], line: [], parent: [], offset: [], self: [], total: [] }));
  renderTop();
  status(message);
}

/** Samples the timeline saw in slots overlapping a range; null when there is no timeline to ask. */
function volumeIn([f, t]) {
  if (!volume) return null;
  const from = Date.parse(volume.from), step = volume.stepSeconds * 1000;
  let sum = 0;
  for (let k = 0; k < volume.values.length; k++) {
    const s0 = from + k * step;
    if (s0 < t && s0 + step > f) sum += volume.values[k];
  }
  return sum;
}

/** Draws a reply: the model, the zoom and search of the URL, the top table and, in sandwich view, the sandwich. */
function show(reply) {
  model = fromReply(reply);
  const zoom = state.zoom ? findPath(model, state.zoom.split(";")) : 0;
  selectedName = state.fn ? model.strings.indexOf(state.fn) : -1;
  view.setModel(model, zoom);
  applySearch();
  renderTop();
  renderSandwich();
  const folded = model.foldedNodes > 0 ? ` ${model.foldedNodes.toLocaleString("en-US")} smaller frames folded into [other].` : "";
  const versions = state.versionA || state.versionB ? ` (version ${state.versionA || "every"} → ${state.versionB || "every"})` : "";
  const what = model.diff
    ? `Diff A → B${versions}: orange grew, blue shrank (share of each side's total).`
    : `${formatValue(model, model.rootTotal)} in ${reply.windows} windows.`;
  status(`${what} ${model.n.toLocaleString("en-US")} frames.${folded}${reply.note ? " " + reply.note : ""}`);
  $("flame-legend").hidden = !model.diff;
  window.fleetFlame.drawnAt = performance.now();
  root.dataset.drawn = String(Number(root.dataset.drawn || 0) + 1);
}

function applySearch() {
  if (!model) return;
  const r = search(model, state.search);
  hits = r.hits;
  match = r;
  view.setHighlight(hits, selectedName);
  $("flame-match").textContent = state.search
    ? `${r.count} frames match, ${percent(r.share)} of the total`
    : "";
}

function selectNode(i) {
  if (!model) return;
  view.zoomTo(i);
  state.zoom = i > 0 ? pathOf(model, i).join(";") : "";
  selectedName = i > 0 ? model.name[i] : -1;
  state.fn = i > 0 ? nameOf(model, i) : "";
  view.setHighlight(hits, selectedName);
  markRow(true);
  detail(view.describe(i));
  writeState();
}

function selectFunction(nameId) {
  const nodes = nodesOf(model, nameId);
  if (nodes.length === 0) return;
  const heaviest = nodes.reduce((a, b) => (model.total[b] > model.total[a] ? b : a));
  selectNode(heaviest);
  if (state.view === "sandwich") renderSandwich();
}

function renderTop() {
  const body = $("flame-top").tBodies[0];
  body.replaceChildren();
  if (!model) return;
  $("flame-top-unit").textContent = model.diff ? "share" : model.unit;
  const rows = topFunctions(model).slice(0, 200);
  for (const r of rows) {
    const tr = document.createElement("tr");
    tr.tabIndex = 0;
    tr.dataset.nameId = String(r.nameId);
    const name = document.createElement("td");
    name.className = "name";
    name.title = r.name;
    const code = document.createElement("code");
    code.textContent = r.name;
    name.append(code);
    const self = document.createElement("td");
    self.className = "num";
    self.textContent = cell(r.self);
    const total = document.createElement("td");
    total.className = "num";
    total.textContent = cell(r.total);
    tr.append(name, self, total);
    tr.addEventListener("click", () => selectFunction(r.nameId));
    tr.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); selectFunction(r.nameId); } });
    body.append(tr);
  }
  markRow(false);
}

/** A table value: shares in a diff, bytes with their unit, samples as a bare count (the header names the unit). */
function cell(v) {
  if (model.diff) return percent(v / 1e9);
  return model.unit === "bytes" ? formatValue(model, v) : Math.round(v).toLocaleString("en-US");
}

function markRow(scroll) {
  for (const tr of $("flame-top").tBodies[0].rows) {
    const on = Number(tr.dataset.nameId) === selectedName;
    tr.classList.toggle("selected", on);
    tr.setAttribute("aria-selected", on ? "true" : "false");
    if (on && scroll) tr.scrollIntoView({ block: "nearest" });
  }
}

function renderSandwich() {
  const on = state.view === "sandwich" && model && selectedName >= 0;
  $("flame-sandwich").hidden = !on;
  $("flame-graph").hidden = on;
  $("flame-sandwich-toggle").setAttribute("aria-pressed", on ? "true" : "false");
  sandwichModels = null;
  if (!on) return;
  sandwichModels = sandwich(model, selectedName);
  $("flame-sandwich-name").textContent = model.strings[selectedName];
  callersView.setModel(sandwichModels.callers);
  calleesView.setModel(sandwichModels.callees);
}

function rangeChosen(which, [f, t]) {
  if (which === "a") { state.from = iso(f); state.to = iso(t); } else { state.fromB = iso(f); state.toB = iso(t); }
  state.zoom = "";
  showRanges();
  writeState();
  loadFlame();
}

function showRanges() {
  const fmt = (r) => r ? `${iso(r[0]).slice(0, 16).replace("T", " ")} – ${iso(r[1]).slice(11, 16)} UTC` : "not chosen";
  $("flame-range-a").textContent = "A: " + fmt(rangeA());
  $("flame-range-b").textContent = state.mode === "diff" ? "B: " + (rangeB() || !state.versionB ? fmt(rangeB()) : "A's range") : "";
  timeline.setSelection("a", rangeA());
  timeline.setSelection("b", state.mode === "diff" ? rangeB() : null);
}

function updateDownloads() {
  const list = $("flame-downloads");
  list.replaceChildren();
  const add = (label, href) => {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = label;
    a.setAttribute("download", "");
    list.append(a, " ");
  };
  const sides = [["A", rangeA()]];
  if (state.mode === "diff" && rangeBOrA()) sides.push(["B", rangeBOrA()]);
  for (const [side, [f, t]] of sides) {
    const p = selector(side === "B" ? "b" : "a");
    p.set("from", iso(f));
    p.set("to", iso(t));
    for (const format of FORMATS) { p.set("format", format); add(`${sides.length > 1 ? side + " " : ""}${format}`, "/api/profile?" + p); }
    p.delete("format");
    add(`${sides.length > 1 ? side + " " : ""}flame json`, "/api/flame?" + p);
  }
}

function bindControls() {
  const setActive = (which) => {
    timeline.active = which;
    $("flame-select-a").setAttribute("aria-pressed", which === "a" ? "true" : "false");
    $("flame-select-b").setAttribute("aria-pressed", which === "b" ? "true" : "false");
  };
  $("flame-select-a").addEventListener("click", () => setActive("a"));
  $("flame-select-b").addEventListener("click", () => {
    setActive("b");
    if (state.mode !== "diff") { state.mode = "diff"; $("flame-diff").checked = true; showRanges(); writeState(); }
  });
  $("flame-diff").checked = state.mode === "diff";
  $("flame-diff").addEventListener("change", (e) => {
    state.mode = e.target.checked ? "diff" : "flame";
    setActive(e.target.checked ? "b" : "a");
    state.zoom = "";
    showRanges(); writeState(); loadFlame();
  });
  const hostB = $("flame-host-b");
  hostB.value = state.hostB;
  hostB.addEventListener("change", () => {
    state.hostB = hostB.value;
    if (state.mode === "diff") { writeState(); loadFlame(); }
  });
  // Version pickers: A's version applies outside a diff too; choosing B's turns the diff on (B then reads A's range
  // unless a range B was dragged).
  const versionA = $("flame-version-a"), versionB = $("flame-version-b");
  const pick = (select, value) => {
    if (value && ![...select.options].some((o) => o.value === value)) select.add(new Option(value + " (not listed)", value));
    select.value = value;
  };
  pick(versionA, state.versionA);
  pick(versionB, state.versionB);
  versionA.addEventListener("change", () => { state.versionA = versionA.value; state.zoom = ""; writeState(); loadFlame(); });
  versionB.addEventListener("change", () => {
    state.versionB = versionB.value;
    state.zoom = "";
    if (state.versionB && state.mode !== "diff") { state.mode = "diff"; $("flame-diff").checked = true; setActive("b"); }
    showRanges(); writeState(); loadFlame();
  });
  $("flame-whole").addEventListener("click", () => { state.from = ""; state.to = ""; state.zoom = ""; showRanges(); writeState(); loadFlame(); });
  $("flame-reset").addEventListener("click", () => { state.fn = ""; selectedName = -1; selectNode(0); renderSandwich(); });
  const input = $("flame-search");
  input.value = state.search;
  input.addEventListener("input", () => { state.search = input.value.trim(); applySearch(); writeState(); });
  $("flame-sandwich-toggle").addEventListener("click", () => {
    state.view = state.view === "sandwich" ? "flame" : "sandwich";
    if (state.view === "sandwich" && selectedName < 0) status("Sandwich: first pick a function (click a frame or a row of the table).");
    renderSandwich(); writeState();
  });
  // Selector changes navigate: the server renders the host and endpoint lists of the chosen service.
  for (const id of ["flame-service", "flame-host", "flame-endpoint", "flame-kind", "flame-since"]) {
    $(id).addEventListener("change", () => $("flame-controls").requestSubmit());
  }
}

window.fleetFlame = {
  drawnAt: 0,
  readyAt: 0,
  /** The rendered model: what is drawn (frames with names and pixel extents), zoom, search and mode. */
  model() {
    const d = view.drawn;
    const frames = d.node.map((i, k) => ({ index: i, name: nameOf(model, i), x: d.x[k], width: d.w[k], depth: d.depth[k] }));
    return {
      service: state.service, kind: state.kind, mode: state.mode, view: state.view, diff: !!(model && model.diff),
      nodes: model ? model.n : 0, rootTotal: model ? model.rootTotal : 0,
      zoom: model ? { index: view.zoomNode, name: view.zoomNode > 0 ? nameOf(model, view.zoomNode) : "all", path: state.zoom } : null,
      zooming: !!view.finishZoom, width: view.canvas.clientWidth,
      search: state.search, matches: match.count, matchShare: match.share,
      selectedFunction: selectedName >= 0 && model ? model.strings[selectedName] : "",
      topRows: [...$("flame-top").tBodies[0].rows].slice(0, 20).map((r) => r.cells[0].textContent),
      selectedRow: [...$("flame-top").tBodies[0].rows].find((r) => r.classList.contains("selected"))?.cells[0].textContent || "",
      sandwich: sandwichModels ? { callers: sandwichModels.callers.n, callees: sandwichModels.callees.n } : null,
      colours: frames.slice(0, 200).map((f) => view.colour(f.index)),
      rangeA: rangeA().map(iso), rangeB: rangeB()?.map(iso) || null, hostB: state.hostB,
      versionA: state.versionA, versionB: state.versionB,
      frames,
    };
  },
  /** Test and benchmark hook: draws a reply of /api/flame without fetching. */
  load(reply) { state.zoom = ""; show(reply); },
  zoomTo(i) { selectNode(i); },
  /** Zooms into each node in turn and reports rAF frame intervals and per-frame draw times while animating. */
  async measureZoom(nodes) {
    const intervals = [], draws = [];
    let running = true, last = 0;
    const tick = (t) => {
      if (last) { intervals.push(t - last); draws.push(view.lastFrameMs); }
      last = t;
      if (running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    for (const i of nodes) await view.zoomTo(i);
    running = false;
    return { intervals, draws, drawnFrames: view.drawn.node.length };
  },
};

window.fleetFlame.readyAt = performance.now();
if (root && state.service) {
  bindControls();
  writeState();
  showRanges();
  timelineLoaded = loadTimeline();
  loadFlame();
} else if (root) {
  status("Pick a service to see its flamegraph.");
}
