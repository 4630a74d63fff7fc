// "Find a shop" and "Guide me": the visitor searches a shop (as they type), gets the route
// from the scene shown now (GET /api/route) as a list of steps and a small drawing, and can be
// guided: in each scene of the route the arrow to take is highlighted and the view turns to
// it, the instruction is shown over the view, and the guide advances as the visitor follows
// the arrows (or finds the way again when they leave the route). Arriving opens the shop's
// card. The route can be shared as a link and, on a kiosk, as a QR code to continue on a phone.
import "./route.css";
import { request } from "./api.js";
import { floorPlanDrawing } from "./floor_plan.js";
import { fitProjection } from "./geo.js";

const SEARCH_DELAY_MS = 200;
const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 320;
const HEIGHT = 160;

function el(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined && text !== null) element.textContent = String(text);
  return element;
}

function svg(tag, attributes, parent) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (parent) parent.append(element);
  return element;
}

/** The walk page address that opens this route (from its start, to its shop or scene). */
export function routePath(tour, route, goal) {
  const query = new URLSearchParams();
  if (goal.shop) query.set("route_to", goal.shop);
  else query.set("route_to_scene", goal.scene);
  if (route.step_free) query.set("step_free", "1");
  return `/tours/${encodeURIComponent(tour)}/${encodeURIComponent(route.from.slug)}?${query}`;
}

/** The route's scenes in walking order: the start, then where each step leads. */
function routeScenes(route) {
  return [route.from, ...route.steps.map((step) => step.to_scene)];
}

/** A small drawing of the route's placed scenes (none when fewer than two have a position). */
function routeDrawing(route, t) {
  const placed = routeScenes(route).filter((scene) => scene.location);
  if (placed.length < 2) return null;
  const projection = fitProjection(placed.map((scene) => scene.location),
    { width: WIDTH, height: HEIGHT, padding: 16, maxScale: 8 });
  const drawing = svg("svg", { class: "walk-route-map", viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img", "aria-label": t("route_map") });
  const points = placed.map((scene) => projection.toScreen(scene.location)
    .map((value) => value.toFixed(1)).join(","));
  svg("polyline", { class: "walk-route-line", points: points.join(" ") }, drawing);
  placed.forEach((scene, index) => {
    const [x, y] = projection.toScreen(scene.location);
    // the goal is marked only where it is drawn (a shop inside a venue may have no position)
    const goal = index === placed.length - 1 && scene.slug === route.arrival.scene.slug;
    const end = index === 0 ? "start" : goal ? "end" : "via";
    svg("circle", { class: `walk-route-dot walk-route-${end}`, cx: x.toFixed(1),
      cy: y.toFixed(1), r: end === "via" ? 3 : 6 }, drawing);
  });
  return drawing;
}

/**
 * The route panel in `section` (#walk-route) and the guide over the view (`banner`,
 * #walk-guide). `walk` gives what the page knows: `tour`, `sceneNow()`, `goTo(slug)` (follow
 * an arrow), `turnTo(yaw)`, `openHotspot(id)` (open a hotspot's card in the scene shown),
 * `arrows()` (the arrow elements made for the scene shown), `showOnPlan(slugs)` (the route on
 * the walk's plan; null clears it) and `kiosk` (fixed start, QR code to continue).
 */
export function routeFinder(section, banner, t, walk) {
  if (!section) return { at() {}, start() {}, reset() {} };
  let timer = null;
  let searchNumber = 0;
  let route = null;
  let goal = null;
  let guiding = false;

  const toggle = el("button", "walk-route-toggle", t("find_shop"));
  toggle.type = "button";
  toggle.setAttribute("aria-expanded", "false");
  const body = el("div", "walk-route-body");
  body.id = "walk-route-body";
  body.hidden = true;
  toggle.setAttribute("aria-controls", body.id);
  const setOpen = (open) => {
    body.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
  };
  toggle.addEventListener("click", () => {
    setOpen(body.hidden);
    if (!body.hidden) input.focus();
  });

  const form = el("form", "walk-route-search");
  form.setAttribute("role", "search");
  const label = el("label", null, t("find_shop_label"));
  label.htmlFor = "walk-route-q";
  const input = el("input");
  input.type = "search";
  input.id = "walk-route-q";
  input.autocomplete = "off";
  input.maxLength = 200;
  const stepFreeLabel = el("label", "walk-route-step-free");
  const stepFree = el("input");
  stepFree.type = "checkbox";
  stepFree.id = "walk-route-step-free";
  stepFreeLabel.append(stepFree, ` ${t("step_free")}`);
  form.append(label, input, stepFreeLabel);
  const results = el("ul", "walk-route-results");
  results.setAttribute("aria-label", t("find_shop_results"));
  const status = el("p", "walk-route-status");
  status.setAttribute("role", "status");
  const details = el("div", "walk-route-details");
  body.append(form, status, results, details);
  section.replaceChildren(toggle, body);
  section.hidden = false;
  // a kiosk invites its visitors to search at once
  if (walk.kiosk) setOpen(true);

  const say = (text, kind = "ok") => {
    status.textContent = text;
    status.dataset.kind = kind;
  };

  // --- searching as one types ----------------------------------------------------------------

  const search = async () => {
    const number = ++searchNumber;
    let found;
    try {
      found = await request("GET", `/route/destinations?q=${encodeURIComponent(input.value)}`);
    } catch {
      if (number === searchNumber) say(t("route_failed"), "error");
      return;
    }
    if (number !== searchNumber) return; // a later keystroke's answer wins
    results.replaceChildren(...found.map((shop) => {
      const item = el("li");
      const button = el("button", "walk-route-result");
      button.type = "button";
      button.dataset.shop = shop.slug;
      button.append(el("strong", null, shop.name), el("span", null,
        [shop.category, shop.opening].filter(Boolean).join(" · ")));
      button.addEventListener("click", () => show({ shop: shop.slug }));
      item.append(button);
      return item;
    }));
    say(found.length ? "" : t("no_shop_found"));
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, SEARCH_DELAY_MS);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    search();
  });
  stepFree.addEventListener("change", () => {
    if (goal) show(goal);
  });

  // --- the route -----------------------------------------------------------------------------

  const fetchRoute = (target, from) => {
    const query = new URLSearchParams({ from });
    if (target.shop) query.set("to_shop", target.shop);
    else query.set("to_scene", target.scene);
    if (stepFree.checked) query.set("step_free", "1");
    return request("GET", `/route?${query}`);
  };

  const stepIndex = (slug) => {
    if (!route) return -1;
    return route.steps.findIndex((step) => step.scene.slug === slug);
  };

  const drawDetails = () => {
    const parts = [];
    const heading = el("h3", null, t("route_to", { place: route.shop ? route.shop.name
      : route.arrival ? route.arrival.scene.title : "" }));
    parts.push(heading);
    if (!route.found) {
      walk.showOnPlan(null);
      parts.push(el("p", "walk-route-none", route.message));
      details.replaceChildren(...parts);
      section.dataset.route = route.reason;
      return;
    }
    const summary = [t("route_summary", { distance: route.distance, time: route.walking_time })];
    if (route.wheelchair_time) summary.push(t("route_wheelchair", { time: route.wheelchair_time }));
    parts.push(el("p", "walk-route-summary", summary.join(" · ")));
    const list = el("ol", "walk-route-steps");
    route.steps.forEach((step, index) => {
      const item = el("li", "walk-route-step", step.instruction);
      item.dataset.step = String(index);
      list.append(item);
    });
    const arrive = el("li", "walk-route-step walk-route-arrival", route.arrival.instruction);
    arrive.dataset.step = String(route.steps.length);
    list.append(arrive);
    parts.push(list);
    const drawing = routeDrawing(route, t);
    if (drawing) parts.push(drawing);
    // inside a venue: the way across each level's floor plan
    const slugs = routeScenes(route).map((scene) => scene.slug);
    for (const floorPlan of route.floor_plans || []) {
      const figure = el("figure", "walk-route-floor");
      figure.append(floorPlanDrawing(floorPlan, routeScenes(route), { route: slugs,
        current: walk.sceneNow() }), el("figcaption", null,
        `${floorPlan.venue}, ${floorPlan.title}`));
      // its dots are buttons, as on the plan: one opens its scene
      figure.addEventListener("click", (event) => {
        const dot = event.target.closest(".walk-plan-scene");
        if (dot) walk.goTo(dot.dataset.scene);
      });
      figure.addEventListener("keydown", (event) => {
        const dot = event.target.closest(".walk-plan-scene");
        if (!dot || (event.key !== "Enter" && event.key !== " ")) return;
        event.preventDefault();
        walk.goTo(dot.dataset.scene);
      });
      parts.push(figure);
    }
    const actions = el("p", "walk-route-actions");
    const guide = el("button", "button primary walk-route-guide", guiding ? t("stop_guiding")
      : t("guide_me"));
    guide.type = "button";
    guide.addEventListener("click", () => (guiding ? stopGuiding() : startGuiding()));
    const share = el("a", "button walk-route-share", t("share_route"));
    share.href = routePath(walk.tour, route, goal);
    actions.append(guide, share);
    parts.push(actions);
    if (walk.kiosk) {
      // on a kiosk the route goes on on the visitor's phone: scan the code
      const figure = el("figure", "walk-route-qr");
      const image = el("img");
      image.src = `/qr.svg?path=${encodeURIComponent(routePath(walk.tour, route, goal))}`;
      image.alt = t("qr_alt");
      image.width = 180;
      image.height = 180;
      figure.append(image, el("figcaption", null, t("qr_caption")));
      parts.push(figure);
    }
    details.replaceChildren(...parts);
    section.dataset.route = "found";
    walk.showOnPlan(routeScenes(route).map((scene) => scene.slug));
  };

  const markStep = (index) => {
    for (const item of details.querySelectorAll(".walk-route-step")) {
      const current = Number(item.dataset.step) === index;
      item.classList.toggle("walk-route-current", current);
      if (current) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
    }
  };

  const show = async (target, { from = walk.sceneNow(), guide = false } = {}) => {
    goal = target;
    say(t("route_loading"));
    try {
      route = await fetchRoute(target, from);
    } catch (error) {
      route = null;
      details.replaceChildren();
      say(error.status === 404 ? error.message : t("route_failed"), "error");
      return;
    }
    say("");
    setOpen(true);
    drawDetails();
    if (guide && route.found) startGuiding();
    else if (guiding) at(walk.sceneNow());
  };

  // --- guiding -------------------------------------------------------------------------------

  const highlight = (slug) => {
    for (const arrow of walk.arrows()) {
      const next = slug !== null && arrow.dataset.scene === slug;
      arrow.classList.toggle("walk-arrow-guide", next);
    }
    // the way's button under the view too, for keyboards and screen readers
    for (const button of document.querySelectorAll(".walk-place-link[data-scene]")) {
      const next = slug !== null && button.dataset.scene === slug;
      button.classList.toggle("walk-place-guide", next);
      if (next) button.setAttribute("aria-current", "step");
      else button.removeAttribute("aria-current");
    }
  };

  const guideText = (text, next = null) => {
    banner.replaceChildren();
    const line = el("p", "walk-guide-text", text);
    banner.append(line);
    const actions = el("p", "walk-guide-actions");
    if (next) {
      const go = el("button", "button primary walk-guide-go", t("go"));
      go.type = "button";
      go.addEventListener("click", () => walk.goTo(next));
      actions.append(go);
    }
    const end = el("button", "button walk-guide-end", t("stop_guiding"));
    end.type = "button";
    end.addEventListener("click", stopGuiding);
    actions.append(end);
    banner.append(actions);
    banner.hidden = false;
  };

  /** Follows the scene shown now: the next step, arrival, or a new route from here. */
  const at = (slug) => {
    if (!guiding || !route || !route.found) return;
    const arrivalSlug = route.arrival.scene.slug;
    if (slug === arrivalSlug) {
      markStep(route.steps.length);
      highlight(null);
      guideText(route.arrival.instruction);
      banner.dataset.step = "arrived";
      if (route.arrival.hotspot) {
        walk.turnTo(route.arrival.hotspot.yaw, route.arrival.hotspot.pitch);
        walk.openHotspot(route.arrival.hotspot.id);
      }
      return;
    }
    const index = stepIndex(slug);
    if (index < 0) {
      // off the route: the way from here
      guideText(t("route_left"));
      banner.dataset.step = "rerouting";
      show(goal, { from: slug });
      return;
    }
    const step = route.steps[index];
    markStep(index);
    guideText(step.instruction, step.to_scene.slug);
    banner.dataset.step = String(index);
    walk.turnTo(step.yaw, 0);
    highlight(step.to_scene.slug);
  };

  const startGuiding = () => {
    guiding = true;
    section.dataset.guiding = "true";
    drawDetails();
    at(walk.sceneNow());
  };

  const stopGuiding = () => {
    guiding = false;
    section.dataset.guiding = "false";
    banner.hidden = true;
    banner.replaceChildren();
    highlight(null);
    if (route) drawDetails();
    markStep(-1);
  };

  return {
    /** The viewer shows `slug` now (its arrows are in place). */
    at,
    /** Opens the route to `target` ({shop} or {scene}) from the scene shown now. */
    start(target, { stepFreeRoute = false, guide = false } = {}) {
      stepFree.checked = stepFreeRoute;
      return show(target, { guide });
    },
    /** Back to the start: no route, no guide, an empty search (a kiosk's next visitor). */
    reset() {
      stopGuiding();
      route = null;
      goal = null;
      input.value = "";
      stepFree.checked = false;
      results.replaceChildren();
      details.replaceChildren();
      delete section.dataset.route;
      walk.showOnPlan(null);
      say("");
    },
  };
}
