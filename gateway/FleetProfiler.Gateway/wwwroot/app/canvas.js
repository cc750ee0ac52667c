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
