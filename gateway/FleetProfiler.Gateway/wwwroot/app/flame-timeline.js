// The range picker: sample volume per slot (/api/timeline) as bars; drag to select a range. Selection A is the range
// shown (the "before" side of a diff), selection B the "after" side. Keyboard: arrows move the active selection by a
// slot, Shift+arrows resize it.
import { prepareCanvas, redrawOnWidthChange } from "./canvas.js";

const HEIGHT = 64;

export class Timeline {
  constructor(canvas, { onChange } = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.onChange = onChange || (() => {});
    this.data = null;
    this.windowFrom = 0;
    this.windowTo = 1;
    this.selections = { a: null, b: null };
    this.active = "a";
    this.drag = null;
    canvas.addEventListener("pointerdown", (e) => {
      canvas.setPointerCapture(e.pointerId);
      const t = this.timeAt(e);
      this.drag = { from: t };
      this.selections[this.active] = [t, t];
      this.draw();
    });
    canvas.addEventListener("pointermove", (e) => {
      if (!this.drag) return;
      const t = this.timeAt(e);
      this.selections[this.active] = [Math.min(this.drag.from, t), Math.max(this.drag.from, t)];
      this.draw();
    });
    canvas.addEventListener("pointerup", () => {
      if (!this.drag) return;
      this.drag = null;
      let [f, t] = this.selections[this.active];
      // A click without a drag selects one slot.
      if (t - f < this.stepMs() / 2) { f = this.snap(f); t = f + this.stepMs(); }
      this.selections[this.active] = [this.snapMinute(f), this.snapMinute(t)];
      this.draw();
      this.onChange(this.active, this.selections[this.active]);
    });
    canvas.addEventListener("keydown", (e) => this.key(e));
    redrawOnWidthChange(canvas, () => this.draw());
  }

  /** The whole window the timeline shows (ms since the epoch) and its volume reply. */
  setData(windowFrom, windowTo, data) {
    this.windowFrom = windowFrom;
    this.windowTo = windowTo;
    this.data = data;
    this.draw();
  }

  setSelection(which, range) {
    this.selections[which] = range;
    this.draw();
  }

  stepMs() {
    return this.data ? this.data.stepSeconds * 1000 : 60_000;
  }

  snap(t) {
    const from = this.data ? Date.parse(this.data.from) : this.windowFrom;
    return from + Math.floor((t - from) / this.stepMs()) * this.stepMs();
  }

  snapMinute(t) {
    return Math.round(t / 60_000) * 60_000;
  }

  timeAt(e) {
    const r = this.canvas.getBoundingClientRect();
    const x = Math.min(Math.max(e.clientX - r.left, 0), r.width);
    return this.windowFrom + (x / r.width) * (this.windowTo - this.windowFrom);
  }

  key(e) {
    const sel = this.selections[this.active] || [this.windowFrom, this.windowTo];
    const step = this.stepMs();
    let [f, t] = sel;
    if (e.key === "ArrowLeft" && e.shiftKey) t = Math.max(f + step, t - step);
    else if (e.key === "ArrowRight" && e.shiftKey) t = Math.min(this.windowTo, t + step);
    else if (e.key === "ArrowLeft") { const d = Math.min(step, f - this.windowFrom); f -= d; t -= d; }
    else if (e.key === "ArrowRight") { const d = Math.min(step, this.windowTo - t); f += d; t += d; }
    else return;
    e.preventDefault();
    this.selections[this.active] = [f, t];
    this.draw();
    this.onChange(this.active, this.selections[this.active]);
  }

  draw() {
    const width = this.canvas.parentElement.clientWidth;
    const ctx = prepareCanvas(this.canvas, this.ctx, width, HEIGHT);
    ctx.fillStyle = "#f0f2f5";
    ctx.fillRect(0, 0, width, HEIGHT);
    const span = this.windowTo - this.windowFrom;
    const xOf = (t) => ((t - this.windowFrom) / span) * width;
    if (this.data) {
      const values = this.data.values;
      const max = Math.max(1, ...values);
      const from = Date.parse(this.data.from);
      const step = this.stepMs();
      ctx.fillStyle = "#7a8699";
      for (let k = 0; k < values.length; k++) {
        const x = xOf(from + k * step), w = Math.max(1, xOf(from + (k + 1) * step) - x - 1);
        const h = (values[k] / max) * (HEIGHT - 14);
        ctx.fillRect(x, HEIGHT - h, w, h);
      }
    }
    const paint = (sel, fill, stroke, label) => {
      if (!sel) return;
      const x = xOf(sel[0]), w = Math.max(2, xOf(sel[1]) - x);
      ctx.fillStyle = fill;
      ctx.fillRect(x, 0, w, HEIGHT);
      ctx.strokeStyle = stroke;
      ctx.lineWidth = 2;
      ctx.strokeRect(x + 1, 1, w - 2, HEIGHT - 2);
      ctx.fillStyle = stroke;
      ctx.font = "bold 11px system-ui, sans-serif";
      ctx.fillText(label, x + 4, 12);
    };
    paint(this.selections.a, "rgba(0,114,178,0.18)", "#0072b2", "A");
    paint(this.selections.b, "rgba(230,159,0,0.22)", "#b37a00", "B");
  }
}
