// Dragging scenes on an editor's drawing (the plan, a floor plan): a marker already on the
// drawing follows the pointer; a scene dragged from a list shows a ghost dot instead. A press
// that moves less than DRAG_THRESHOLD pixels is a click, and the click that ends a real drag
// selects nothing.

/** Pixels a pointer must move before a press becomes a drag. */
export const DRAG_THRESHOLD = 4;

const round = (value) => Number(value.toFixed(2));

/**
 * The drag behaviour, for listeners the tool attaches itself:
 * `enabled()` whether anything can be dropped now (a drawing is shown);
 * `toDrawing(clientX, clientY)` → `[x, y]` on the drawing, or null outside it;
 * `marker(scene)` the scene's marker on the drawing (null when it has none yet);
 * `ghost()` the dot shown for a scene dragged from a list;
 * `drop(scene, [x, y])` where it was let go on the drawing; `cancel()` a drag that ended
 * elsewhere or was interrupted (redraw what was moved).
 * Returns `{ begin(event, scene, source), move(event), end(event), interrupt(event),
 * clicked(handler) }`; `clicked` wraps a click handler so the click ending a drag is ignored.
 */
export function markerDrag({ enabled, toDrawing, marker, ghost, drop, cancel }) {
  let drag = null;
  let swallowClick = false;

  const begin = (event, scene, source) => {
    if (!enabled() || event.button !== 0) return;
    drag = { scene, pointer: event.pointerId, x: event.clientX, y: event.clientY,
      moving: false };
    source.setPointerCapture(event.pointerId);
  };

  const move = (event) => {
    if (!drag || event.pointerId !== drag.pointer) return;
    if (!drag.moving && Math.hypot(event.clientX - drag.x, event.clientY - drag.y)
        < DRAG_THRESHOLD) return;
    drag.moving = true;
    const point = toDrawing(event.clientX, event.clientY);
    const shown = marker(drag.scene);
    if (shown) {
      if (point) shown.setAttribute("transform", `translate(${round(point[0])} ${round(point[1])})`);
      return;
    }
    const dot = ghost();
    dot.setAttribute("visibility", point ? "visible" : "hidden");
    if (point) {
      dot.setAttribute("cx", round(point[0]));
      dot.setAttribute("cy", round(point[1]));
    }
  };

  const end = (event) => {
    if (!drag || event.pointerId !== drag.pointer) return;
    const { scene, moving } = drag;
    drag = null;
    ghost().setAttribute("visibility", "hidden");
    if (!moving) return;
    // the click that ends a drag selects nothing (cleared after it, had it been dispatched)
    swallowClick = true;
    setTimeout(() => { swallowClick = false; });
    const point = toDrawing(event.clientX, event.clientY);
    if (point) drop(scene, point);
    else cancel();
  };

  const interrupt = (event) => {
    if (!drag || event.pointerId !== drag.pointer) return;
    drag = null;
    ghost().setAttribute("visibility", "hidden");
    cancel();
  };

  const clicked = (handler) => (event) => {
    if (swallowClick) {
      swallowClick = false;
      return;
    }
    handler(event);
  };

  return { begin, move, end, interrupt, clicked };
}
