// One venue level's floor plan (/edit/floor-plans/<id>, server/templates/editor/floor_plan.html):
// its drawing as an SVG with each scene placed on it a focusable marker, the other scenes in a
// list beside it. Drag a scene from the list onto the drawing, or select it and press "Place in
// the middle", then move it with the arrow buttons or keys (the approach of plan_editor.js);
// drag placed markers to move them; "Remove from the floor plan" takes the selected one off.
// A place is stored as fractions of the drawing (0..1 from its top left corner), saved at once
// with the scene's version; a 409 says so and shows the stored state. The drawing, the texts
// and the plan itself are changed through the same API (server/floor_plans_api.py).
import "./floor_plan_editor.css";
import { ApiError, floorPlanApi } from "../api.js";
import { svg } from "../plan_drawing.js";
import { readStrings } from "../strings.js";
import { markerDrag } from "./marker_drag.js";

/** The drawing's width in SVG units; its height follows the image's proportions. */
const WIDTH = 1000;
/** How far an arrow button or key moves a scene (units); with Shift, a fifth of it. */
const STEP = 10;
/** A pointer moving less than this (CSS pixels) clicks rather than drags. */
const MOVES = { up: [0, -1], down: [0, 1], left: [-1, 0], right: [1, 0] };
const KEYS = { ArrowUp: "up", ArrowDown: "down", ArrowLeft: "left", ArrowRight: "right" };
const LANGUAGES = ["de", "en", "es", "fr"];

const round = (value, digits = 1) => Number(value.toFixed(digits));
const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

function html(name, attributes = {}, text = "") {
  const element = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text) element.textContent = text;
  return element;
}

export function start(root) {
  const t = readStrings(root);
  const data = JSON.parse(root.dataset.floorPlan);
  const plan = data.floor_plan;
  const scenes = new Map(data.scenes.map((scene) => [scene.id, scene]));
  const isHere = (scene) => scene.floor_plan_id === plan.id && scene.x !== null
    && scene.y !== null;

  const drawing = root.querySelector("#floor-plan-drawing");
  const statusLine = root.querySelector("#floor-plan-status");
  const selectionText = root.querySelector("#floor-plan-selection");
  const settingsLink = root.querySelector("#floor-plan-settings");
  const placeButton = root.querySelector("#floor-plan-place");
  const moveButtons = [...root.querySelectorAll("[data-move]")];
  const removeButton = root.querySelector("#floor-plan-remove");
  const unplacedList = root.querySelector("#floor-plan-unplaced");
  const uploadForm = root.querySelector("#floor-plan-upload-form");
  const fileInput = root.querySelector("#floor-plan-file");
  const textForm = root.querySelector("#floor-plan-form");
  const deleteButton = root.querySelector("#floor-plan-delete");

  let selected = null;
  let busy = 0;
  const saves = new Map();
  let height = WIDTH;
  let map = null;
  let markerLayer = null;
  let ghost = null;

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
  const failed = (error) => {
    if (error instanceof ApiError && error.status === 409) say(t("conflict"), "error");
    else say(t("failed", { message: error.message }), "error");
  };

  // --- the drawing ---------------------------------------------------------------------------

  const hasDrawing = () => Boolean(plan.image);

  const buildDrawing = () => {
    drawing.replaceChildren();
    map = null;
    markerLayer = null;
    if (!hasDrawing()) {
      drawing.append(html("p", { class: "floor-plan-editor-empty", role: "note" },
        t("no_drawing")));
      return;
    }
    height = Math.max(1, Math.round((WIDTH * plan.image.height) / plan.image.width));
    map = svg("svg", { class: "floor-plan-editor-map", viewBox: `0 0 ${WIDTH} ${height}`,
      role: "group", "aria-label": t("drawing_label") });
    svg("image", { href: plan.image.url, x: 0, y: 0, width: WIDTH, height,
      preserveAspectRatio: "none", class: "floor-plan-editor-image" }, map);
    markerLayer = svg("g", { class: "floor-plan-editor-scenes" }, map);
    ghost = svg("circle", { class: "floor-plan-editor-ghost", r: 12, visibility: "hidden" }, map);
    drawing.append(map);
    bindMarkers();
  };

  /** Client (pointer) coordinates as drawing units, or null outside the drawing. */
  const toDrawing = (clientX, clientY) => {
    const matrix = map && map.getScreenCTM();
    if (!matrix) return null;
    const point = new DOMPoint(clientX, clientY).matrixTransform(matrix.inverse());
    if (point.x < 0 || point.y < 0 || point.x > WIDTH || point.y > height) return null;
    return [point.x, point.y];
  };
  const screenOf = (scene) => [scene.x * WIDTH, scene.y * height];

  const drawMarkers = () => {
    if (!markerLayer) return;
    const focused = document.activeElement?.closest?.(".floor-plan-editor-scene")?.dataset
      .scene;
    markerLayer.replaceChildren();
    for (const scene of scenes.values()) {
      if (!isHere(scene)) continue;
      const [x, y] = screenOf(scene);
      const marker = svg("g", {
        class: scene.id === selected ? "floor-plan-editor-scene floor-plan-editor-selected"
          : "floor-plan-editor-scene",
        transform: `translate(${round(x, 2)} ${round(y, 2)})`,
        tabindex: 0, role: "button", "aria-pressed": String(scene.id === selected),
        "aria-label": scene.title, "data-scene": scene.id, "data-x": round(scene.x, 5),
        "data-y": round(scene.y, 5),
      }, markerLayer);
      svg("circle", { r: 12 }, marker);
      svg("text", { x: 17, y: 6 }, marker).textContent = scene.title;
    }
    if (focused) markerLayer.querySelector(`[data-scene="${focused}"]`)?.focus();
  };

  const drawUnplaced = () => {
    const focused = document.activeElement?.closest?.("[data-unplaced]")?.dataset.unplaced;
    unplacedList.replaceChildren();
    const waiting = [...scenes.values()].filter((scene) => !isHere(scene))
      .sort((a, b) => a.title.localeCompare(b.title));
    for (const scene of waiting) {
      const item = html("li");
      const button = html("button", { type: "button", class: "floor-plan-editor-unplaced-scene",
        "data-unplaced": scene.id, "aria-pressed": String(scene.id === selected) }, scene.title);
      if (scene.floor_plan_id !== null && scene.floor_plan_name) {
        button.append(" ", html("small", {}, t("on_other_plan", { plan: scene.floor_plan_name })));
      }
      item.append(button);
      unplacedList.append(item);
    }
    if (!waiting.length) unplacedList.append(html("li", { class: "hint" }, t("unplaced_empty")));
    if (focused) unplacedList.querySelector(`[data-unplaced="${focused}"]`)?.focus();
  };

  const showSelection = () => {
    const scene = scenes.get(selected);
    selectionText.textContent = scene ? t("selected", { scene: scene.title })
      : t("selected_none");
    settingsLink.hidden = !scene;
    if (scene) settingsLink.href = scene.settings_url;
    placeButton.disabled = !(scene && !isHere(scene) && hasDrawing());
    for (const button of moveButtons) button.disabled = !(scene && isHere(scene));
    removeButton.disabled = !(scene && isHere(scene));
  };

  const redraw = () => {
    drawMarkers();
    drawUnplaced();
    showSelection();
  };

  const select = (id) => {
    selected = selected === id ? null : id;
    redraw();
  };

  // --- saving a scene's place ----------------------------------------------------------------

  /** Reads the scene's stored place again (after a refusal: nothing is kept that wasn't). */
  const reload = async (scene) => {
    try {
      const stored = await floorPlanApi.scene(scene.id);
      Object.assign(scene, { floor_plan_id: stored.floor_plan_id, x: stored.floor_x,
        y: stored.floor_y, level: stored.level, version: stored.version });
    } catch (error) {
      say(t("failed", { message: error.message }), "error");
    }
    redraw();
  };

  /** Saves where `scene` lies now (or that it lies nowhere); a move while a save is under way
   * is saved right after it, with the version that save answered, so fast moves never
   * conflict with each other. */
  const savePlace = (scene, done) => {
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
          const here = isHere(scene);
          const answer = await floorPlanApi.placeScene(scene.id, here ? plan.id : null,
            here ? scene.x : null, here ? scene.y : null, scene.version);
          scene.version = answer.version;
          scene.level = answer.level;
        } while (job.again);
        say(t(done, { scene: scene.title }));
      } catch (error) {
        failed(error);
        await reload(scene);
      } finally {
        saves.delete(scene.id);
        working(-1);
      }
    })();
  };

  /** Puts `scene` at drawing point (x, y) and saves it. */
  const placeAt = (scene, x, y) => {
    scene.floor_plan_id = plan.id;
    scene.floor_plan_name = null;
    scene.x = round(clamp(x, 0, WIDTH) / WIDTH, 5);
    scene.y = round(clamp(y, 0, height) / height, 5);
    redraw();
    savePlace(scene, "placed");
  };

  const move = (scene, direction, step) => {
    const [dx, dy] = MOVES[direction];
    const [x, y] = screenOf(scene);
    placeAt(scene, x + dx * step, y + dy * step);
  };

  // --- pointer dragging (markers on the drawing, scenes from the list) -----------------------

  const dragging = markerDrag({
    enabled: () => Boolean(map),
    toDrawing,
    marker: (scene) => markerLayer.querySelector(`[data-scene="${scene.id}"]`),
    ghost: () => ghost,
    drop: (scene, point) => {
      selected = scene.id;
      placeAt(scene, ...point);
    },
    cancel: () => redraw(),
  });
  const { clicked } = dragging;

  /** The drawing's listeners (it is rebuilt when a new drawing is uploaded). */
  function bindMarkers() {
    markerLayer.addEventListener("pointermove", dragging.move);
    markerLayer.addEventListener("pointerup", dragging.end);
    markerLayer.addEventListener("pointercancel", dragging.interrupt);
    markerLayer.addEventListener("pointerdown", (event) => {
      const marker = event.target.closest(".floor-plan-editor-scene");
      if (marker) dragging.begin(event, scenes.get(Number(marker.dataset.scene)), marker);
    });
    markerLayer.addEventListener("click", clicked((event) => {
      const marker = event.target.closest(".floor-plan-editor-scene");
      if (marker) select(Number(marker.dataset.scene));
    }));
    markerLayer.addEventListener("keydown", (event) => {
      const marker = event.target.closest(".floor-plan-editor-scene");
      if (!marker) return;
      const scene = scenes.get(Number(marker.dataset.scene));
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        select(scene.id);
      } else if (KEYS[event.key]) {
        event.preventDefault();
        selected = scene.id;
        move(scene, KEYS[event.key], event.shiftKey ? STEP / 5 : STEP);
      }
    });
  }

  unplacedList.addEventListener("pointermove", dragging.move);
  unplacedList.addEventListener("pointerup", dragging.end);
  unplacedList.addEventListener("pointercancel", dragging.interrupt);
  unplacedList.addEventListener("pointerdown", (event) => {
    const button = event.target.closest("[data-unplaced]");
    if (button) dragging.begin(event, scenes.get(Number(button.dataset.unplaced)), button);
  });
  unplacedList.addEventListener("click", clicked((event) => {
    const button = event.target.closest("[data-unplaced]");
    if (button) select(Number(button.dataset.unplaced));
  }));

  // --- buttons -------------------------------------------------------------------------------

  placeButton.addEventListener("click", () => {
    const scene = scenes.get(selected);
    if (!scene || isHere(scene) || !map) return;
    placeAt(scene, WIDTH / 2, height / 2);
    markerLayer.querySelector(`[data-scene="${scene.id}"]`)?.focus();
  });
  for (const button of moveButtons) {
    button.addEventListener("click", (event) => {
      const scene = scenes.get(selected);
      if (scene && isHere(scene)) {
        move(scene, button.dataset.move, event.shiftKey ? STEP / 5 : STEP);
      }
    });
  }
  removeButton.addEventListener("click", () => {
    const scene = scenes.get(selected);
    if (!scene || !isHere(scene)) return;
    Object.assign(scene, { floor_plan_id: null, x: null, y: null });
    redraw();
    savePlace(scene, "removed");
  });

  // --- the plan itself: its drawing, texts and deletion --------------------------------------

  /** Takes the stored plan (an API answer): its version, drawing and its scenes' versions
   * (a new level changes the scenes on it). */
  const takePlan = (stored) => {
    const hadDrawing = plan.image ? plan.image.url : null;
    Object.assign(plan, stored);
    for (const placed of stored.scenes) {
      const scene = scenes.get(placed.id);
      if (scene) Object.assign(scene, { version: placed.version, floor_plan_id: plan.id,
        x: placed.x, y: placed.y });
    }
    if ((plan.image ? plan.image.url : null) !== hadDrawing) buildDrawing();
    redraw();
  };

  uploadForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = fileInput.files[0];
    if (!file) {
      say(t("choose_file"), "error");
      return;
    }
    working(1);
    say(t("uploading"));
    try {
      const { body } = await floorPlanApi.uploadDrawing(plan.id, file, plan.version);
      takePlan(body);
      uploadForm.reset();
      say(t("uploaded"));
    } catch (error) {
      failed(error);
      if (error instanceof ApiError && error.status === 409) {
        takePlan(await floorPlanApi.get(plan.id).catch(() => plan));
      }
    } finally {
      working(-1);
    }
  });

  textForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = new FormData(textForm);
    const title = {};
    for (const language of LANGUAGES) title[language] = String(fields.get(`title-${language}`));
    working(1);
    say(t("saving"));
    try {
      takePlan(await floorPlanApi.update(plan.id, { venue: String(fields.get("venue")),
        level: String(fields.get("level")), title, version: plan.version }));
      say(t("saved"));
    } catch (error) {
      failed(error);
    } finally {
      working(-1);
    }
  });

  deleteButton.addEventListener("click", async () => {
    // a plain confirmation before every place on the plan is lost
    if (!window.confirm(t("confirm_delete"))) return;
    working(1);
    try {
      await floorPlanApi.remove(plan.id, plan.version);
      say(t("deleted"));
      window.location.assign(data.list_url);
    } catch (error) {
      failed(error);
    } finally {
      working(-1);
    }
  });

  buildDrawing();
  redraw();
}
