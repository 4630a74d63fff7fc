// The plan of the walk: a small map beside the panorama, drawn in the browser as SVG from
// /api/walk/tours/<slug>/plan. Scenes are dots at their positions (local metres around the
// centre, north up, one scale on both axes), links are lines, stops carry their number; the
// scene shown now is highlighted with a wedge turning with the visitor's compass heading
// (view yaw − north offset). A dot opens its scene (click, Enter or Space). With no tile server
// configured the plan asks no other site for anything; with one, its map tiles lie underneath.
// While the scene shown now lies on a venue's floor plan, the panel shows that level's drawing
// (floor_plan.js) with its caption instead of the map.
import "./plan.css";
import { floorPlanDrawing } from "./floor_plan.js";
import { EARTH_RADIUS, compassHeading, fitProjection as fitDrawing, roundLength } from "./geo.js";
import { drawCompass, drawScale, svg } from "./plan_drawing.js";

/** The drawing's box (SVG user units; CSS scales it to the panel). */
const WIDTH = 320;
const HEIGHT = 240;
/** Room kept free around the scenes: the dots, their wedge, the compass and the scale bar. */
const PADDING = 30;
/** Units per metre at most, so two scenes a few metres apart are not drawn a panel apart. */
const MAX_SCALE = 8;
/** The heading wedge: how far it reaches (units) and how wide it opens (degrees). */
const WEDGE_RADIUS = 30;
const WEDGE_ANGLE = 70;
/** Slippy-map tiles: their size (pixels), the deepest zoom of any server, how many at most. */
const TILE_SIZE = 256;
const TOP_ZOOM = 22;
const MAX_TILES = 48;
/** Screens at least this wide open the plan at once; smaller ones show only its button. */
const WIDE_SCREEN = "(min-width: 48rem)";

const RADIANS = Math.PI / 180;
const round = (value, digits = 1) => Number(value.toFixed(digits));

/**
 * Places the scenes on the plan's drawing (geo.js, with the plan's size and padding). Returns
 * `{ toScreen(location) → [x, y], toLocation(x, y), scale, latitude }`, scale in units a metre.
 */
export function fitProjection(locations) {
  return fitDrawing(locations, { width: WIDTH, height: HEIGHT, padding: PADDING,
    maxScale: MAX_SCALE });
}

export { compassHeading, roundLength };

// --- the map underneath: Web Mercator tiles of the XYZ scheme -------------------------------

const tileX = (longitude, zoom) => ((longitude + 180) / 360) * 2 ** zoom;
const tileY = (latitude, zoom) => {
  const phi = latitude * RADIANS;
  return ((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * 2 ** zoom;
};
const tileLongitude = (x, zoom) => (x / 2 ** zoom) * 360 - 180;
const tileLatitude = (y, zoom) => Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / 2 ** zoom)))
  / RADIANS;

/** The tiles covering the drawing, at the zoom whose pixels are about the drawing's units. */
export function coveringTiles(projection, maxZoom) {
  const metresAround = 2 * Math.PI * EARTH_RADIUS * Math.cos(projection.latitude * RADIANS);
  let zoom = Math.round(Math.log2((metresAround * projection.scale) / TILE_SIZE));
  zoom = Math.max(0, Math.min(zoom, Math.min(maxZoom, TOP_ZOOM)));
  const corner = projection.toLocation(0, 0);
  const opposite = projection.toLocation(WIDTH, HEIGHT);
  for (; zoom >= 0; zoom -= 1) {
    const columns = [Math.floor(tileX(corner.longitude, zoom)),
      Math.floor(tileX(opposite.longitude, zoom))];
    const rows = [Math.max(0, Math.floor(tileY(corner.latitude, zoom))),
      Math.min(2 ** zoom - 1, Math.floor(tileY(opposite.latitude, zoom)))];
    const count = (columns[1] - columns[0] + 1) * (rows[1] - rows[0] + 1);
    if (count > MAX_TILES && zoom > 0) continue;
    const tiles = [];
    for (let y = rows[0]; y <= rows[1]; y += 1) {
      for (let x = columns[0]; x <= columns[1]; x += 1) {
        tiles.push({ z: zoom, x, y,
          north: tileLatitude(y, zoom), south: tileLatitude(y + 1, zoom),
          west: tileLongitude(x, zoom), east: tileLongitude(x + 1, zoom) });
      }
    }
    return tiles;
  }
  return [];
}

function tileUrl(template, tile) {
  const wrapped = ((tile.x % 2 ** tile.z) + 2 ** tile.z) % 2 ** tile.z;
  return template.replace(/\{z\}/g, tile.z).replace(/\{x\}/g, wrapped)
    .replace(/\{y\}/g, tile.y);
}

function drawTiles(layer, projection, background) {
  for (const tile of coveringTiles(projection, background.max_zoom)) {
    const [left, top] = projection.toScreen({ latitude: tile.north, longitude: tile.west });
    const [right, bottom] = projection.toScreen({ latitude: tile.south, longitude: tile.east });
    // a hair of overlap hides the seams anti-aliasing leaves between neighbours
    svg("image", {
      href: tileUrl(background.tile_url, tile), x: round(left, 2), y: round(top, 2),
      width: round(right - left + 0.5, 2), height: round(bottom - top + 0.5, 2),
      preserveAspectRatio: "none", class: "walk-plan-tile",
    }, layer);
  }
}

// --- the drawing ---------------------------------------------------------------------------

function wedgePath() {
  const half = (WEDGE_ANGLE / 2) * RADIANS;
  const x = round(WEDGE_RADIUS * Math.sin(half), 2);
  const y = round(-WEDGE_RADIUS * Math.cos(half), 2);
  return `M0 0L${-x} ${y}A${WEDGE_RADIUS} ${WEDGE_RADIUS} 0 0 1 ${x} ${y}Z`;
}

/** The dot of a scene: focusable, named by its title, a stop's number inside. */
function drawScene(parent, scene, [x, y]) {
  const stop = scene.stops.length > 0;
  const dot = svg("g", {
    class: stop ? "walk-plan-scene walk-plan-stop" : "walk-plan-scene",
    transform: `translate(${round(x, 2)} ${round(y, 2)})`,
    // a stop's name starts with its number, the text shown on its dot
    tabindex: 0, role: "button", "data-scene": scene.slug,
    "aria-label": stop ? `${scene.stops.join(",")}: ${scene.title}` : scene.title,
  }, parent);
  svg("title", {}, dot).textContent = scene.title;
  svg("circle", { r: stop ? 9 : 6 }, dot);
  if (stop) {
    svg("text", { "text-anchor": "middle", "dominant-baseline": "central" }, dot).textContent =
      scene.stops.join(",");
  }
  return dot;
}

/**
 * The plan panel in `element` (an empty `#walk-plan`; nothing happens without one): a "Plan"
 * button and the drawing. `goTo(scene)` opens a plan scene (slug, initial_view); the plan
 * follows `virtualTour`'s node changes and `viewer`'s turns by itself. `load(plan, current)`
 * draws a plan answer; fewer than two placed scenes show no panel at all.
 */
export function walkPlan(element, t, { viewer, virtualTour, goTo }) {
  let scenes = new Map();
  let current = null;
  let dots = new Map();
  let heading = null;
  /** The map of the scenes with a position (null under two) and the floor plans by id. */
  let outdoor = null;
  let floorPlans = new Map();
  let sceneList = [];
  let loaded = false;
  /** The route shown (scene slugs in walking order; route.js) and its layer on the map. */
  let routeSlugs = null;
  let routeLayer = null;
  if (!element) return { load() {}, at() {}, hide() {}, route() {} };

  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "walk-plan-toggle";
  toggle.textContent = t("plan");
  const body = document.createElement("div");
  body.className = "walk-plan-body";
  body.id = "walk-plan-body";
  toggle.setAttribute("aria-controls", body.id);
  const setOpen = (open) => {
    body.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
  };
  toggle.addEventListener("click", () => setOpen(body.hidden));
  setOpen(window.matchMedia(WIDE_SCREEN).matches);
  element.setAttribute("aria-label", t("plan_label"));
  element.replaceChildren(toggle, body);

  const turn = () => {
    const scene = scenes.get(current);
    if (!heading || !scene || !scene.screen) return;
    const degrees = compassHeading(viewer.getPosition().yaw, scene.north_offset);
    const [x, y] = scene.screen;
    heading.setAttribute("transform",
      `translate(${round(x, 2)} ${round(y, 2)}) rotate(${degrees})`);
    heading.dataset.heading = String(degrees);
  };

  /** Shows the floor plan the scene `slug` lies on, else the map (nothing without one). */
  const showView = (slug) => {
    if (!loaded) return;
    const scene = scenes.get(slug);
    const floorPlan = scene && scene.floor ? floorPlans.get(scene.floor.floor_plan) : null;
    if (floorPlan) {
      const caption = document.createElement("p");
      caption.className = "walk-plan-caption";
      caption.textContent = t("floor_plan", { venue: floorPlan.venue, level: floorPlan.title });
      // the drawing is made afresh for the new current scene; a keyboard user keeps the focus
      const focused = body.contains(document.activeElement)
        ? document.activeElement.closest(".walk-plan-scene")?.dataset.scene : null;
      body.replaceChildren(caption, floorPlanDrawing(floorPlan, sceneList,
        { current: slug, route: routeSlugs }));
      if (focused) body.querySelector(`.walk-plan-scene[data-scene="${focused}"]`)?.focus();
      element.dataset.view = "floor";
      element.dataset.floorPlan = String(floorPlan.id);
    } else if (outdoor) {
      if (element.dataset.view !== "outdoor") body.replaceChildren(...outdoor);
      element.dataset.view = "outdoor";
      delete element.dataset.floorPlan;
    } else {
      body.replaceChildren();
      element.dataset.view = "none";
      delete element.dataset.floorPlan;
    }
    element.hidden = element.dataset.view === "none";
  };

  const at = (slug) => {
    current = slug;
    for (const [key, dot] of dots) {
      dot.classList.toggle("walk-plan-current", key === slug);
      if (key === slug) dot.setAttribute("aria-current", "location");
      else dot.removeAttribute("aria-current");
    }
    // a scene of another tour's walk is not on this plan: no wedge then
    if (heading) heading.classList.toggle("walk-plan-away", !dots.has(slug));
    showView(slug);
    turn();
  };

  const open = (slug) => {
    const scene = scenes.get(slug);
    if (scene && slug !== current) goTo(scene);
  };

  const drawOutdoor = (plan) => {
    const located = plan.scenes.filter((scene) => scene.location);
    if (located.length < 2) {
      heading = null;
      dots = new Map();
      return null;
    }
    const projection = fitProjection(located.map((scene) => scene.location));
    for (const scene of located) {
      scenes.get(scene.slug).screen = projection.toScreen(scene.location);
    }
    // the panel around it carries the name
    const drawing = svg("svg", { class: "walk-plan-map", viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: "group" });
    if (plan.background) drawTiles(svg("g", { class: "walk-plan-tiles" }, drawing), projection,
      plan.background);
    const ways = svg("g", { class: "walk-plan-links", "aria-hidden": "true" }, drawing);
    for (const [from, to] of plan.links) {
      // a way to a scene only on a floor plan has no end on the map
      if (!scenes.get(from)?.screen || !scenes.get(to)?.screen) continue;
      const [x1, y1] = scenes.get(from).screen;
      const [x2, y2] = scenes.get(to).screen;
      svg("line", { x1: round(x1, 2), y1: round(y1, 2), x2: round(x2, 2), y2: round(y2, 2) },
        ways);
    }
    routeLayer = svg("g", { class: "walk-plan-route", "aria-hidden": "true" }, drawing);
    heading = svg("g", { class: "walk-plan-heading", "aria-hidden": "true" }, drawing);
    svg("path", { class: "walk-plan-wedge", d: wedgePath() }, heading);
    // in the answer's order, which is the keyboard's: the stops in the tour's order first
    const layer = svg("g", { class: "walk-plan-scenes" }, drawing);
    dots = new Map([...scenes.values()].filter((scene) => scene.screen).map((scene) =>
      [scene.slug, drawScene(layer, scene, scene.screen)]));
    drawCompass(drawing, t, { className: "walk-plan-north", x: WIDTH - 18, y: 20 });
    drawScale(drawing, t, projection.scale, { className: "walk-plan-scale", x: 10,
      y: HEIGHT - 10, width: WIDTH, share: 0.3 });
    const parts = [drawing];
    if (plan.background && plan.background.attribution) {
      const credit = document.createElement("p");
      credit.className = "walk-plan-attribution";
      credit.textContent = plan.background.attribution;
      parts.push(credit);
    }
    return parts;
  };

  /** Draws the route's legs between scenes on the map (both ends placed) over the ways. */
  const drawRoute = () => {
    if (!routeLayer) return;
    routeLayer.replaceChildren();
    const points = (routeSlugs || []).map((slug) => scenes.get(slug)?.screen || null);
    for (let index = 1; index < points.length; index += 1) {
      const [start, end] = [points[index - 1], points[index]];
      if (!start || !end) continue;
      svg("line", { x1: round(start[0], 2), y1: round(start[1], 2), x2: round(end[0], 2),
        y2: round(end[1], 2) }, routeLayer);
    }
    element.dataset.route = routeSlugs ? String(routeLayer.childElementCount) : "";
  };

  const draw = (plan) => {
    sceneList = plan.scenes;
    scenes = new Map(plan.scenes.map((scene) => [scene.slug, { ...scene, screen: null }]));
    floorPlans = new Map((plan.floor_plans || []).map((floorPlan) =>
      [floorPlan.id, floorPlan]));
    routeLayer = null;
    outdoor = drawOutdoor(plan);
    drawRoute();
    delete element.dataset.view;
  };

  // a dot opens its scene, on the map and on a floor plan alike
  body.addEventListener("click", (event) => {
    const dot = event.target.closest(".walk-plan-scene");
    if (dot) open(dot.dataset.scene);
  });
  body.addEventListener("keydown", (event) => {
    const dot = event.target.closest(".walk-plan-scene");
    if (!dot || (event.key !== "Enter" && event.key !== " ")) return;
    event.preventDefault();
    open(dot.dataset.scene);
  });

  virtualTour.addEventListener("node-changed", ({ node }) => at(node.id));
  viewer.addEventListener("position-updated", turn);

  return {
    /** Draws `plan` (an API answer) with `sceneNow` highlighted. */
    load(plan, sceneNow) {
      // data-plan tells tests (and styles) whether a plan was drawn; data-view which one is
      // shown (outdoor, floor with data-floor-plan, none)
      const located = plan ? plan.scenes.filter((scene) => scene.location).length : 0;
      if (!plan || (located < 2 && !(plan.floor_plans || []).length)) {
        loaded = false;
        element.hidden = true;
        element.dataset.plan = "none";
        return;
      }
      draw(plan);
      loaded = true;
      element.hidden = false;
      element.dataset.plan = "drawn";
      at(sceneNow);
    },
    /** Follows the scene shown now (also done on the viewer's node changes). */
    at,
    /** Shows a route (scene slugs in walking order) on the map and floor plans; null: none. */
    route(slugs) {
      routeSlugs = slugs && slugs.length > 1 ? slugs : null;
      drawRoute();
      // a floor plan is drawn afresh with it
      if (loaded && element.dataset.view === "floor") {
        delete element.dataset.view;
        showView(current);
      }
    },
    hide() {
      loaded = false;
      element.hidden = true;
      element.dataset.plan = "none";
    },
  };
}
