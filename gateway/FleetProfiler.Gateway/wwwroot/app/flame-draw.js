// Draws a flamegraph model on a canvas, root on top (icicle). Only frames at least a pixel wide are visited: a narrow
// frame skips its whole subtree through the model's subtree ends, so a 50,000-frame graph costs what is visible.
// The view is a window [x0, x1) of value units; zooming animates that window with requestAnimationFrame.
import { nameOf, fileOf, formatValue, percent } from "./flame-model.js";
import { prepareCanvas, redrawOnWidthChange } from "./canvas.js";

const ROW = 18;
const MIN_TEXT_PX = 28;
// Okabe-Ito blue and orange: told apart with every common colour-vision deficiency.
const SHRANK = [0, 114, 178];
const GREW = [230, 159, 0];
const NEUTRAL = [221, 221, 221];
const MATCH = "#c2185b";

export class FlameView {
  constructor(canvas, { onSelect, onHover } = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.onSelect = onSelect || (() => {});
    this.onHover = onHover || (() => {});
    this.model = null;
    this.x0 = 0;
    this.x1 = 1;
    this.zoomNode = 0;
    this.hits = null;
    this.selectedName = -1;
    this.focusNode = 0;
    this.drawn = { node: [], x: [], w: [], depth: [] };
    this.animation = 0;
    this.lastFrameMs = 0;
    this.finishZoom = null;
    canvas.addEventListener("click", (e) => this.clickAt(e));
    canvas.addEventListener("mousemove", (e) => {
      const i = this.nodeAt(e);
      this.onHover(i);
      canvas.style.cursor = i >= 0 ? "pointer" : "default";
    });
    canvas.addEventListener("keydown", (e) => this.key(e));
    redrawOnWidthChange(canvas, () => this.draw());
  }

  setModel(model, zoomNode = 0) {
    cancelAnimationFrame(this.animation);
    this.model = model;
    this.zoomNode = zoomNode;
    this.focusNode = zoomNode;
    this.x0 = model.offset[zoomNode];
    this.x1 = model.offset[zoomNode] + Math.max(model.total[zoomNode], 1e-9);
    this.draw();
  }

  setHighlight(hits, selectedName) {
    this.hits = hits;
    this.selectedName = selectedName;
    this.draw();
  }

  /** Zooms to node i: the window animates to its extent over a few frames; resolves when it is there. */
  zoomTo(i, animate = true) {
    const m = this.model;
    if (!m) return Promise.resolve();
    this.zoomNode = i;
    this.focusNode = i;
    const to0 = m.offset[i], to1 = m.offset[i] + Math.max(m.total[i], 1e-9);
    cancelAnimationFrame(this.animation);
    if (this.finishZoom) this.finishZoom();
    if (!animate) { this.x0 = to0; this.x1 = to1; this.draw(); return Promise.resolve(); }
    const from0 = this.x0, from1 = this.x1;
    const start = performance.now(), duration = 240;
    return new Promise((resolve) => {
      this.finishZoom = () => { this.finishZoom = null; resolve(); };
      const step = (now) => {
        const t = Math.min(1, (now - start) / duration);
        const e = t * (2 - t);
        this.x0 = t === 1 ? to0 : from0 + (to0 - from0) * e;
        this.x1 = t === 1 ? to1 : from1 + (to1 - from1) * e;
        this.draw();
        if (t < 1) this.animation = requestAnimationFrame(step);
        else if (this.finishZoom) this.finishZoom();
      };
      this.animation = requestAnimationFrame(step);
    });
  }

  colour(i) {
    const m = this.model;
    if (this.hits) {
      if (this.hits[i]) return MATCH;
      return "#d6d6d6";
    }
    if (m.diff && m.before && m.after) {
      const b = m.before[i], a = m.after[i];
      const t = Math.min(1, Math.abs(a - b) / Math.max(a, b, 1e-9));
      const [r, g, bl] = mix(NEUTRAL, a >= b ? GREW : SHRANK, t);
      return `rgb(${r},${g},${bl})`;
    }
    // Warm hues by name, so a function keeps its colour wherever it appears.
    let h = 0;
    const s = m.strings[m.name[i]];
    for (let k = 0; k < s.length; k++) h = (h * 31 + s.charCodeAt(k)) | 0;
    const hue = 8 + (Math.abs(h) % 42);
    const light = 58 + (Math.abs(h >> 8) % 14);
    return `hsl(${hue},78%,${light}%)`;
  }

  draw() {
    const m = this.model;
    const started = performance.now();
    const width = this.canvas.parentElement.clientWidth;
    const rows = m ? m.maxDepth + 1 : 1;
    const height = rows * ROW;
    const ctx = prepareCanvas(this.canvas, this.ctx, width, height);
    const drawn = { node: [], x: [], w: [], depth: [] };
    this.drawn = drawn;
    if (!m || m.n === 0) return;
    const scale = width / (this.x1 - this.x0);
    ctx.font = "12px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    let i = 0;
    while (i < m.n) {
      const left = (m.offset[i] - this.x0) * scale;
      const w = m.total[i] * scale;
      const x = Math.max(left, 0);
      const right = Math.min(left + w, width);
      // Less than a pixel of it on the canvas (narrow, or outside the zoom; a sibling of the zoomed frame can start at
      // 831.9999 of 832 px after rounding): neither it nor its subtree is drawn.
      if (w < 1 || right - x < 1) { i = m.end[i]; continue; }
      const y = m.depth[i] * ROW;
      ctx.fillStyle = this.colour(i);
      ctx.fillRect(x, y, Math.max(right - x - 0.5, 0.5), ROW - 1);
      if (m.name[i] === this.selectedName || i === this.focusNode) {
        ctx.strokeStyle = i === this.focusNode ? "#1d2330" : "#1f5fbf";
        ctx.lineWidth = 2;
        ctx.strokeRect(x + 1, y + 1, Math.max(right - x - 2, 1), ROW - 3);
      }
      if (right - x >= MIN_TEXT_PX) {
        ctx.fillStyle = this.hits && this.hits[i] ? "#fff" : "#1d2330";
        const label = fit(ctx, nameOf(m, i), right - x - 6);
        if (label) ctx.fillText(label, x + 3, y + ROW / 2);
      }
      drawn.node.push(i);
      drawn.x.push(x);
      drawn.w.push(right - x);
      drawn.depth.push(m.depth[i]);
      i++;
    }
    this.lastFrameMs = performance.now() - started;
  }

  nodeAt(e) {
    const r = this.canvas.getBoundingClientRect();
    const mx = e.clientX - r.left, my = e.clientY - r.top;
    const depth = Math.floor(my / ROW);
    const d = this.drawn;
    for (let k = 0; k < d.node.length; k++) {
      if (d.depth[k] === depth && mx >= d.x[k] && mx < d.x[k] + d.w[k]) return d.node[k];
    }
    return -1;
  }

  clickAt(e) {
    const i = this.nodeAt(e);
    if (i >= 0) this.onSelect(i);
  }

  /** Arrow keys walk the tree (up: caller, down: heaviest callee, left/right: siblings); Enter zooms; Escape resets. */
  key(e) {
    const m = this.model;
    if (!m) return;
    let next = -1;
    const f = this.focusNode;
    if (e.key === "ArrowUp" && f > 0) next = m.parent[f];
    else if (e.key === "ArrowDown" && f + 1 < m.end[f]) next = f + 1;
    else if (e.key === "ArrowRight" && f > 0 && m.end[f] < m.end[m.parent[f]]) next = m.end[f];
    else if (e.key === "ArrowLeft" && f > 0) next = previousSibling(m, f);
    else if (e.key === "Enter") { this.onSelect(f); e.preventDefault(); return; }
    else if (e.key === "Escape") { this.onSelect(0); e.preventDefault(); return; }
    if (next >= 0) {
      e.preventDefault();
      this.focusNode = next;
      this.onHover(next);
      this.draw();
    }
  }

  describe(i) {
    const m = this.model;
    if (!m || i < 0) return "";
    const file = fileOf(m, i);
    const share = m.rootTotal > 0 ? m.total[i] / m.rootTotal : 0;
    let text = `${nameOf(m, i)}${file ? " (" + file + ")" : ""}: ${formatValue(m, m.total[i])}, ${percent(share)} of the total`;
    if (m.diff && m.before && m.after) text += `; before ${percent(m.before[i])}, after ${percent(m.after[i])}`;
    return text;
  }
}

function previousSibling(m, i) {
  const p = m.parent[i];
  let prev = -1;
  for (let j = p + 1; j < i; j = m.end[j]) prev = j;
  return prev;
}

function mix(a, b, t) {
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * t));
}

function fit(ctx, text, room) {
  if (ctx.measureText(text).width <= room) return text;
  // Cut by an estimate first, then trim: measureText per character would dominate a frame.
  let n = Math.floor(text.length * room / ctx.measureText(text).width);
  while (n > 1 && ctx.measureText(text.slice(0, n) + "…").width > room) n--;
  return n > 1 ? text.slice(0, n) + "…" : "";
}
