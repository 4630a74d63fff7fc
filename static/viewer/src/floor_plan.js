// A venue level's floor plan for visitors: the uploaded drawing with the scenes that lie on it
// as dots (the look of the walk plan's dots, plan.js), the scene shown now highlighted and,
// for a route, the way through this level as a line with its start and end marked. Used by the
// plan panel (plan.js) while the visitor is on a floor plan, and by the route panel.
import "./plan.css";
import "./floor_plan.css";
import { svg } from "./plan_drawing.js";

/** The drawing's width in SVG units (the walk plan's); its height follows the drawing. */
const WIDTH = 320;
/** Dot radii (units): a stop, another scene, and the route's start and end rings. */
const STOP_RADIUS = 9;
const SCENE_RADIUS = 6;
const END_RADIUS = 13;

const round = (value, digits = 2) => Number(value.toFixed(digits));

/** Whether `scene` is `key` (a scene id or slug, as the route or the viewer names it). */
const isScene = (scene, key) => key !== null && key !== undefined
  && (scene.slug === key || scene.id === key || String(scene.id) === String(key));

/**
 * Draws a floor plan with its scenes; returns an `<svg>` element (not yet in the document).
 *
 * @param {{id: number, venue: string, level: string, title: string,
 *          image: {url: string, width: number, height: number}}} floorPlan
 *   a floor plan of the walk plan answer (`floor_plans` of `/api/walk/tours/<slug>/plan`).
 * @param {Array<{id: number, slug: string, title: string, stops?: number[],
 *          floor: ({floor_plan: number, x: number, y: number}|null)}>} scenes
 *   scenes of that answer (or any with the same fields); only those whose `floor.floor_plan`
 *   is `floorPlan.id` are drawn, at `x`, `y` (fractions of the drawing from its top left).
 * @param {{current?: (number|string|null), route?: (Array<number|string>|null)}} [options]
 *   `current`: the id or slug of the scene shown now, highlighted (class `walk-plan-current`,
 *   `aria-current="location"`). `route`: scene ids or slugs in walking order; the runs of
 *   consecutive route scenes lying on this plan become lines (`.walk-floor-route polyline`),
 *   and the route's first and last scene, when they lie here, get a start and an end ring
 *   (`.walk-floor-route-start`, `.walk-floor-route-end`).
 * @returns {SVGSVGElement} `svg.walk-floor-map` with `data-floor-plan`; each dot is a focusable
 *   `g.walk-plan-scene[data-scene=<slug>]` (role button, named by the scene's title), so a
 *   caller opens scenes with one click/keydown listener, as plan.js does.
 */
export function floorPlanDrawing(floorPlan, scenes, { current = null, route = null } = {}) {
  const image = floorPlan.image;
  const height = round((WIDTH * image.height) / image.width);
  const drawing = svg("svg", { class: "walk-floor-map", viewBox: `0 0 ${WIDTH} ${height}`,
    role: "group", "aria-label": `${floorPlan.venue}, ${floorPlan.title}`,
    "data-floor-plan": floorPlan.id });
  svg("image", { href: image.url, x: 0, y: 0, width: WIDTH, height,
    preserveAspectRatio: "none", class: "walk-floor-image" }, drawing);

  const here = scenes.filter((scene) => scene.floor && scene.floor.floor_plan === floorPlan.id);
  const point = (scene) => [round(scene.floor.x * WIDTH), round(scene.floor.y * height)];
  const find = (key) => here.find((scene) => isScene(scene, key)) || null;

  if (route && route.length) {
    const layer = svg("g", { class: "walk-floor-route", "aria-hidden": "true" }, drawing);
    let run = [];
    const flush = () => {
      if (run.length >= 2) {
        svg("polyline", { points: run.map((where) => where.join(",")).join(" ") }, layer);
      }
      run = [];
    };
    for (const key of route) {
      const scene = find(key);
      if (scene) run.push(point(scene));
      else flush();
    }
    flush();
    const ends = [[route[0], "walk-floor-route-start"],
      [route[route.length - 1], "walk-floor-route-end"]];
    for (const [key, className] of ends) {
      const scene = find(key);
      if (!scene) continue;
      const [x, y] = point(scene);
      svg("circle", { class: className, cx: x, cy: y, r: END_RADIUS,
        "data-scene": scene.slug }, layer);
    }
  }

  // the current dot last, so it lies on top of its neighbours
  const layer = svg("g", { class: "walk-plan-scenes" }, drawing);
  const ordered = [...here.filter((scene) => !isScene(scene, current)),
    ...here.filter((scene) => isScene(scene, current))];
  for (const scene of ordered) {
    const stops = scene.stops || [];
    const isCurrent = isScene(scene, current);
    const classes = ["walk-plan-scene"];
    if (stops.length) classes.push("walk-plan-stop");
    if (isCurrent) classes.push("walk-plan-current");
    const [x, y] = point(scene);
    const dot = svg("g", { class: classes.join(" "), transform: `translate(${x} ${y})`,
      tabindex: 0, role: "button", "aria-label": scene.title, "data-scene": scene.slug }, layer);
    if (isCurrent) dot.setAttribute("aria-current", "location");
    svg("title", {}, dot).textContent = scene.title;
    svg("circle", { r: stops.length ? STOP_RADIUS : SCENE_RADIUS }, dot);
    if (stops.length) {
      svg("text", { "text-anchor": "middle", "dominant-baseline": "central" }, dot).textContent =
        stops.join(",");
    }
  }
  return drawing;
}
