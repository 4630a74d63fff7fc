// The editors' plan of all scenes (/edit/plan, server/templates/editor/plan.html): an SVG,
// north up, with each placed scene a focusable marker at its position (geo.js's local metric
// projection, fixed while the page is open) and every link a line. Scenes without a position
// wait in a list beside it: drag one onto the plan, or select it and press "Place in the
// middle", then move it with the arrow buttons or keys; the dropped point becomes its
// latitude/longitude (the inverse projection). Select two scenes and press "Link" (the server
// computes the bearing from their positions), or pick a link (its line or the list) and press
// "Remove link". Every change is saved at once with the scene's version; a 409 says so and
// shows the stored state.
import "./plan_editor.css";
import { ApiError, request } from "../api.js";
import { fitProjection } from "../geo.js";
import { drawCompass, drawScale, svg } from "../plan_drawing.js";
import { readStrings } from "../strings.js";
import { markerDrag } from "./marker_drag.js";

/** The drawing's box (SVG user units; CSS scales it to the page). */
const WIDTH = 640;
const HEIGHT = 460;
const PADDING = 40;
/** Units per metre at most: a lone scene (or the city's centre) shows 160 m across. */
const MAX_SCALE = 4;
/** How far an arrow button or key moves a scene (units); with Shift, a fifth of it. */
const STEP = 10;
/** A pointer moving less than this (CSS pixels) clicks rather than drags. */
const MOVES = { north: [0, -1], south: [0, 1], west: [-1, 0], east: [1, 0] };
const KEYS = { ArrowUp: "north", ArrowDown: "south", ArrowLeft: "west", ArrowRight: "east" };

const round = (value, digits = 1) => Number(value.toFixed(digits));
const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

function html(name, attributes = {}, text = "") {
  const element = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text) element.textContent = text;
  return element;
}

const isPlaced = (scene) => scene.latitude !== null && scene.longitude !== null;

export function start(root) {
  const t = readStrings(root);
  const data = JSON.parse(root.dataset.plan);
  const scenes = new Map(data.scenes.map((scene) => [scene.id, scene]));
  const links = new Map(data.links.map((link) => [link.id, link]));
  const placed = data.scenes.filter(isPlaced);
  const projection = placed.length || data.centre
    ? fitProjection(placed, { width: WIDTH, height: HEIGHT, padding: PADDING,
      maxScale: MAX_SCALE, centre: data.centre })
    : null;

  const drawing = root.querySelector("#plan-editor-drawing");
  const statusLine = root.querySelector("#plan-editor-status");
  const selectionText = root.querySelector("#plan-editor-selection");
  const settingsLink = root.querySelector("#plan-editor-settings");
  const placeButton = root.querySelector("#plan-editor-place");
  const moveButtons = [...root.querySelectorAll("[data-move]")];
  const linkButton = root.querySelector("#plan-editor-link");
  const oneWay = root.querySelector("#plan-editor-one-way");
  const clearButton = root.querySelector("#plan-editor-clear");
  const linkList = root.querySelector("#plan-editor-link-list");
  const unlinkButton = root.querySelector("#plan-editor-unlink");
  const unplacedList = root.querySelector("#plan-editor-unplaced");

  /** Up to two scene ids: the link's start, then its end. */
  let selection = [];
  let chosenLink = null;
  let busy = 0;
  const saves = new Map();

  const say = (message, kind = "ok") => {
    statusLine.textContent = message;
    statusLine.dataset.kind = kind;
  };
  const working = (change) => {
    busy += change;
    // read by the browser tests: no request of this page is under way
    root.dataset.busy = String(busy > 0);
  };
  working(0);

  // --- the drawing ---------------------------------------------------------------------------

  const map = svg("svg", { class: "plan-editor-map", viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "group", "aria-label": t("plan_label") });
  svg("rect", { class: "plan-editor-ground", width: WIDTH, height: HEIGHT }, map);
  const lineLayer = svg("g", { class: "plan-editor-lines" }, map);
  const markerLayer = svg("g", { class: "plan-editor-scenes" }, map);
  const ghost = svg("circle", { class: "plan-editor-ghost", r: 10, visibility: "hidden" }, map);
  drawing.replaceChildren(map);
  if (projection) {
    drawCompass(map, t, { className: "plan-editor-north", x: WIDTH - 26, y: 30, size: 1.35 });
    drawScale(map, t, projection.scale, { className: "plan-editor-scale", x: 16, y: HEIGHT - 16,
      width: WIDTH, share: 0.25, size: 1.2 });
  } else {
    drawing.append(html("p", { class: "plan-editor-empty", role: "note" }, t("no_centre")));
  }

  /** Client (pointer) coordinates as drawing units, or null outside the drawing. */
  const toDrawing = (clientX, clientY) => {
    const matrix = map.getScreenCTM();
    if (!matrix) return null;
    const point = new DOMPoint(clientX, clientY).matrixTransform(matrix.inverse());
    if (point.x < 0 || point.y < 0 || point.x > WIDTH || point.y > HEIGHT) return null;
    return [point.x, point.y];
  };
  const screenOf = (scene) => projection.toScreen(scene);

  const drawLines = () => {
    lineLayer.replaceChildren();
    const pairs = new Map();
    for (const link of links.values()) {
      const [a, b] = [link.from, link.to].sort((x, y) => x - y);
      const key = `${a}-${b}`;
      if (!pairs.has(key)) pairs.set(key, { a, b, ids: [] });
      pairs.get(key).ids.push(link.id);
    }
    for (const { a, b, ids } of pairs.values()) {
      const from = scenes.get(a);
      const to = scenes.get(b);
      if (!from || !to || !isPlaced(from) || !isPlaced(to) || !projection) continue;
      const [x1, y1] = screenOf(from);
      const [x2, y2] = screenOf(to);
      const chosen = chosenLink !== null && ids.includes(chosenLink);
      const group = svg("g", { class: chosen ? "plan-editor-link plan-editor-chosen"
        : "plan-editor-link", "data-a": a, "data-b": b, "data-links": ids.join(" ") }, lineLayer);
      svg("title", {}, group).textContent = t("link_line", { a: from.title, b: to.title });
      const ends = { x1: round(x1, 2), y1: round(y1, 2), x2: round(x2, 2), y2: round(y2, 2) };
      svg("line", { ...ends, class: "plan-editor-line" }, group);
      // a wide invisible stroke on top, so the line is easy to hit
      svg("line", { ...ends, class: "plan-editor-line-hit" }, group);
    }
  };

  const drawMarkers = () => {
    const focused = document.activeElement?.closest?.(".plan-editor-scene")?.dataset.scene;
    markerLayer.replaceChildren();
    if (!projection) return;
    for (const scene of scenes.values()) {
      if (!isPlaced(scene)) continue;
      const [x, y] = screenOf(scene);
      const order = selection.indexOf(scene.id);
      const marker = svg("g", {
        class: order >= 0 ? `plan-editor-scene plan-editor-selected-${order + 1}`
          : "plan-editor-scene",
        transform: `translate(${round(x, 2)} ${round(y, 2)})`,
        tabindex: 0, role: "button", "aria-pressed": String(order >= 0),
        "aria-label": scene.title, "data-scene": scene.id, "data-x": round(x, 3),
        "data-y": round(y, 3),
      }, markerLayer);
      svg("circle", { r: 10 }, marker);
      svg("text", { x: 15, y: 5 }, marker).textContent = scene.title;
    }
    if (focused) markerLayer.querySelector(`[data-scene="${focused}"]`)?.focus();
  };

  const drawUnplaced = () => {
    const focused = document.activeElement?.closest?.("[data-unplaced]")?.dataset.unplaced;
    unplacedList.replaceChildren();
    const waiting = [...scenes.values()].filter((scene) => !isPlaced(scene))
      .sort((a, b) => a.title.localeCompare(b.title));
    for (const scene of waiting) {
      const item = html("li");
      const button = html("button", { type: "button", class: "plan-editor-unplaced-scene",
        "data-unplaced": scene.id, "aria-pressed": String(selection.includes(scene.id)) },
      scene.title);
      item.append(button);
      unplacedList.append(item);
    }
    if (!waiting.length) unplacedList.append(html("li", { class: "hint" }, t("unplaced_empty")));
    if (focused) unplacedList.querySelector(`[data-unplaced="${focused}"]`)?.focus();
  };

  const linksOf = (id) => [...links.values()].filter((link) => link.from === id || link.to === id)
    .sort((a, b) => (a.from === id ? 0 : 1) - (b.from === id ? 0 : 1) || a.bearing - b.bearing);

  const drawLinkList = () => {
    linkList.replaceChildren();
    const first = selection[0];
    if (first === undefined) return;
    const touching = linksOf(first);
    if (!touching.length) {
      linkList.append(html("p", { class: "hint" }, t("no_links")));
      return;
    }
    for (const link of touching) {
      const label = html("label", { class: "choice" });
      const radio = html("input", { type: "radio", name: "plan-editor-link", value: link.id });
      radio.checked = link.id === chosenLink;
      const from = scenes.get(link.from);
      const to = scenes.get(link.to);
      label.append(radio, ` ${t("link_item", { from: from ? from.title : "?",
        to: to ? to.title : "?", bearing: round(link.bearing) })}`);
      linkList.append(label);
    }
  };

  const showSelection = () => {
    const [first, second] = selection.map((id) => scenes.get(id));
    if (!first) selectionText.textContent = t("selected_none");
    else if (!second) selectionText.textContent = t("selected_one", { scene: first.title });
    else selectionText.textContent = t("selected_two", { from: first.title, to: second.title });
    settingsLink.hidden = !first;
    if (first) {
      settingsLink.href = first.settings_url;
      settingsLink.textContent = t("settings", { scene: first.title });
    }
    placeButton.disabled = !(first && !isPlaced(first) && projection);
    for (const button of moveButtons) button.disabled = !(first && isPlaced(first) && projection);
    linkButton.disabled = !second;
    unlinkButton.disabled = chosenLink === null;
  };

  const redraw = () => {
    drawLines();
    drawMarkers();
    drawUnplaced();
    drawLinkList();
    showSelection();
  };

  // --- selecting -----------------------------------------------------------------------------

  const linkBetween = (a, b) => [...links.values()].find((link) =>
    (link.from === a && link.to === b)) || [...links.values()].find((link) =>
    (link.from === b && link.to === a)) || null;

  const select = (id) => {
    if (selection.includes(id)) selection = selection.filter((other) => other !== id);
    else if (selection.length >= 2) selection = [id];
    else selection = [...selection, id];
    const pair = selection.length === 2 ? linkBetween(...selection) : null;
    chosenLink = pair ? pair.id : null;
    redraw();
  };

  const selectLine = (group) => {
    const ids = group.dataset.links.split(" ").map(Number);
    const first = links.get(ids[0]);
    selection = [first.from, first.to];
    chosenLink = first.id;
    redraw();
  };

  // --- saving --------------------------------------------------------------------------------

  const failed = async (scene, error) => {
    if (error instanceof ApiError && error.status === 409) say(t("conflict"), "error");
    else say(t("failed", { message: error.message }), "error");
    await reload(scene);
  };

  /** Reads the scene's stored state again (after a refusal: nothing is kept that wasn't). */
  const reload = async (scene) => {
    try {
      const stored = await request("GET", `/scenes/${scene.id}`);
      scene.latitude = stored.latitude;
      scene.longitude = stored.longitude;
      scene.version = stored.version;
    } catch (error) {
      say(t("failed", { message: error.message }), "error");
    }
    redraw();
  };

  /** Saves where `scene` lies now; a move while a save is under way is saved right after it,
   * with the version that save answered, so fast moves never conflict with each other. */
  const savePosition = (scene) => {
    const pending = saves.get(scene.id);
    if (pending) {
      pending.again = true;
      return;
    }
    const job = { again: false };
    saves.set(scene.id, job);
    working(1);
    say(t("saving"));
    (async () => {
      try {
        do {
          job.again = false;
          const answer = await request("PATCH", `/scenes/${scene.id}`, {
            latitude: scene.latitude, longitude: scene.longitude, version: scene.version });
          scene.version = answer.version;
        } while (job.again);
        say(t("position_saved", { scene: scene.title }));
      } catch (error) {
        await failed(scene, error);
      } finally {
        saves.delete(scene.id);
        working(-1);
      }
    })();
  };

  /** Puts `scene` at drawing point (x, y) and saves it. */
  const placeAt = (scene, x, y) => {
    const where = projection.toLocation(clamp(x, 0, WIDTH), clamp(y, 0, HEIGHT));
    scene.latitude = round(where.latitude, 7);
    scene.longitude = round(where.longitude, 7);
    redraw();
    savePosition(scene);
  };

  const move = (scene, direction, step) => {
    const [dx, dy] = MOVES[direction];
    const [x, y] = screenOf(scene);
    placeAt(scene, x + dx * step, y + dy * step);
  };

  const link = async () => {
    const [from, to] = selection;
    const both = !oneWay.checked;
    working(1);
    say(t("saving"));
    try {
      const created = await request("POST", `/scenes/${from}/links`,
        { to_scene_id: to, both_directions: both });
      for (const made of created) {
        links.set(made.id, { id: made.id, from: made.from_scene_id, to: made.to_scene_id,
          bearing: made.bearing, version: made.version });
      }
      chosenLink = created[0].id;
      const names = { from: scenes.get(from).title, to: scenes.get(to).title };
      say(created.length > 1 ? t("linked_both", names) : t("linked", names));
    } catch (error) {
      say(t("failed", { message: error.message }), "error");
    } finally {
      working(-1);
      redraw();
    }
  };

  const unlink = async () => {
    const chosen = links.get(chosenLink);
    if (!chosen) return;
    const both = !oneWay.checked;
    working(1);
    say(t("saving"));
    try {
      await request("DELETE",
        `/links/${chosen.id}?both_directions=${both}&version=${chosen.version}`);
      links.delete(chosen.id);
      if (both) {
        const back = [...links.values()].find((other) => other.from === chosen.to
          && other.to === chosen.from);
        if (back) links.delete(back.id);
      }
      chosenLink = null;
      say(t("link_removed"));
    } catch (error) {
      // a link someone else removed already is gone for this page too; one they changed is
      // kept, with its new version, for the editor to look at again
      if (error instanceof ApiError && error.status === 404) links.delete(chosen.id);
      if (error instanceof ApiError && error.status === 409) {
        const fresh = (await request("GET", `/scenes/${chosen.from}/links`).catch(() => []))
          .find((other) => other.id === chosen.id);
        if (fresh) Object.assign(chosen, { bearing: fresh.bearing, version: fresh.version });
      }
      chosenLink = null;
      say(t("failed", { message: error.message }), "error");
    } finally {
      working(-1);
      redraw();
    }
  };

  // --- pointer dragging (markers on the plan, scenes from the list) --------------------------

  const dragging = markerDrag({
    enabled: () => Boolean(projection),
    toDrawing,
    marker: (scene) => markerLayer.querySelector(`[data-scene="${scene.id}"]`),
    ghost: () => ghost,
    drop: (scene, point) => {
      if (!selection.includes(scene.id)) selection = [scene.id];
      placeAt(scene, ...point);
    },
    cancel: () => redraw(),
  });

  for (const target of [markerLayer, unplacedList]) {
    target.addEventListener("pointermove", dragging.move);
    target.addEventListener("pointerup", dragging.end);
    target.addEventListener("pointercancel", dragging.interrupt);
  }

  markerLayer.addEventListener("pointerdown", (event) => {
    const marker = event.target.closest(".plan-editor-scene");
    if (marker) dragging.begin(event, scenes.get(Number(marker.dataset.scene)), marker);
  });
  unplacedList.addEventListener("pointerdown", (event) => {
    const button = event.target.closest("[data-unplaced]");
    if (button) dragging.begin(event, scenes.get(Number(button.dataset.unplaced)), button);
  });

  // --- clicks and keys -----------------------------------------------------------------------

  const { clicked } = dragging;
  markerLayer.addEventListener("click", clicked((event) => {
    const marker = event.target.closest(".plan-editor-scene");
    if (marker) select(Number(marker.dataset.scene));
  }));
  unplacedList.addEventListener("click", clicked((event) => {
    const button = event.target.closest("[data-unplaced]");
    if (button) select(Number(button.dataset.unplaced));
  }));
  lineLayer.addEventListener("click", (event) => {
    const group = event.target.closest(".plan-editor-link");
    if (group) selectLine(group);
  });
  markerLayer.addEventListener("keydown", (event) => {
    const marker = event.target.closest(".plan-editor-scene");
    if (!marker) return;
    const scene = scenes.get(Number(marker.dataset.scene));
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      select(scene.id);
    } else if (KEYS[event.key]) {
      event.preventDefault();
      move(scene, KEYS[event.key], event.shiftKey ? STEP / 5 : STEP);
    }
  });
  linkList.addEventListener("change", (event) => {
    if (event.target.name !== "plan-editor-link") return;
    chosenLink = Number(event.target.value);
    drawLines();
    showSelection();
  });
  placeButton.addEventListener("click", () => {
    const scene = scenes.get(selection[0]);
    if (!scene || isPlaced(scene) || !projection) return;
    placeAt(scene, WIDTH / 2, HEIGHT / 2);
    markerLayer.querySelector(`[data-scene="${scene.id}"]`)?.focus();
  });
  for (const button of moveButtons) {
    button.addEventListener("click", (event) => {
      const scene = scenes.get(selection[0]);
      if (scene && isPlaced(scene) && projection) {
        move(scene, button.dataset.move, event.shiftKey ? STEP / 5 : STEP);
      }
    });
  }
  linkButton.addEventListener("click", link);
  unlinkButton.addEventListener("click", unlink);
  clearButton.addEventListener("click", () => {
    selection = [];
    chosenLink = null;
    redraw();
  });

  redraw();
}

