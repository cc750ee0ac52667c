// Helpers shared by the explorer's canvases (the flamegraph and the timeline).

/**
 * Calls draw in the next frame whenever the canvas's container changes width. Drawing inside the observer would resize
 * what it observes, hence the frame.
 */
export function redrawOnWidthChange(canvas, draw) {
  let observedWidth = -1;
  new ResizeObserver(() => {
    const w = canvas.parentElement.clientWidth;
    if (w === observedWidth) return;
    observedWidth = w;
    requestAnimationFrame(draw);
  }).observe(canvas.parentElement);
}

/**
 * Sizes the canvas's backing store to width × height CSS pixels at the device pixel ratio (only when that changed, as
 * resizing clears it), scales the context to CSS pixels and clears it. Returns the context.
 */
export function prepareCanvas(canvas, ctx, width, height) {
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = width + "px";
    canvas.style.height = height + "px";
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}
