// SVG pieces both plans draw: the visitors' plan of a tour (plan.js) and the editors' plan of
// all scenes (editor/plan_editor.js). Sizes are in the drawing's own units.
import { roundLength } from "./geo.js";

export const SVG = "http://www.w3.org/2000/svg";

const round = (value, digits = 1) => Number(value.toFixed(digits));

/** An SVG element with `attributes`, appended to `parent` when given. */
export function svg(name, attributes = {}, parent = null) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (parent) parent.append(element);
  return element;
}

/** The north arrow with its letter, centred at (x, y); `size` scales the arrow. */
export function drawCompass(parent, t, { className, x, y, size = 1 }) {
  const compass = svg("g", { class: className, transform: `translate(${x} ${y})` }, parent);
  svg("title", {}, compass).textContent = t("north");
  const s = (value) => round(value * size, 2);
  svg("path", { d: `M0 ${s(-13)}L${s(6)} ${s(3)}L0 0L${s(-6)} ${s(3)}Z` }, compass);
  svg("text", { y: s(14), "text-anchor": "middle", "dominant-baseline": "central" }, compass)
    .textContent = t("north_letter");
}

/**
 * A scale bar of a round length at most `share` of `width` long, its left end at (x, y);
 * `scale` is in units a metre. The bar carries its length in metres as data-metres.
 */
export function drawScale(parent, t, scale, { className, x, y, width, share, size = 1 }) {
  const metres = roundLength((width * share) / scale);
  const length = round(metres * scale, 2);
  const bar = svg("g", { class: className, transform: `translate(${x} ${y})` }, parent);
  const tick = round(5 * size, 2);
  svg("path", { d: `M0 -${tick}V0H${length}V-${tick}` }, bar);
  const number = new Intl.NumberFormat(document.documentElement.lang || undefined).format(metres);
  svg("text", { x: round(length / 2, 2), y: -round(8 * size, 2), "text-anchor": "middle" }, bar)
    .textContent = t("metres", { n: number });
  bar.dataset.metres = String(metres);
}
