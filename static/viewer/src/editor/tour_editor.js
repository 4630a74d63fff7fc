// The editor of one tour (server/templates/editor/tour.html): texts in every language, cover,
// publication window, stops (added from a searchable scene list, reordered by drag and drop or
// by buttons, removed, each with its text and view), Save (the whole draft with its version),
// Preview and Publish. A 409 shows the newer state and keeps the editor's input.
import "./tour_editor.css";
import { ApiError, request } from "../api.js";
import { readStrings } from "../strings.js";
import { mountTiledPanorama } from "../viewer.js";
import { fromLocalInput, toLocalInput } from "./city_time.js";

const round = (value, digits = 1) => Number(Number(value).toFixed(digits));

/** −180 ≤ yaw < 180, in degrees, from PSV's radians. */
function yawDegrees(radians) {
  const degrees = (radians * 180) / Math.PI;
  return ((((degrees + 180) % 360) + 360) % 360) - 180;
}

// --- the tool -------------------------------------------------------------------------------

export async function start(root) {
  const data = JSON.parse(root.dataset.tour);
  const t = readStrings(root);
  const zone = data.time_zone;
  const languages = data.languages;
  const scenes = new Map(data.scenes.map((scene) => [scene.id, scene]));
  const $ = (id) => document.getElementById(id);
  const status = $("tour-editor-status");
  const stopList = $("tour-editor-stop-list");
  const sceneList = $("tour-editor-scene-list");
  const search = $("tour-editor-search");
  const conflictBox = $("tour-editor-conflict");
  const stateLabel = $("tour-editor-state");

  let tour = data.tour;
  /** The draft being edited: {id|null, scene_id, text, initial_view} in order. */
  let stops = [];
  let dirty = false;
  let dragged = null;
  let openViewer = null;

  const say = (message, kind = "") => {
    status.textContent = message;
    status.dataset.kind = kind;
  };
  const sceneTitle = (id) => (scenes.get(id) ? scenes.get(id).title : `#${id}`);
  const markDirty = () => {
    dirty = true;
    root.dataset.dirty = "true";
  };

  function showState() {
    const key = tour.status === "published"
      ? (tour.unpublished_changes ? "state_changes" : "state_published")
      : (tour.status === "archived" ? "state_archived" : "state_draft");
    stateLabel.textContent = t(key);
    root.dataset.state = key;
    $("tour-editor-withdraw").hidden = tour.status !== "published";
  }

  function fillForm() {
    for (const lang of languages) {
      $(`tour-title-${lang}`).value = (tour.title || {})[lang] || "";
      $(`tour-intro-${lang}`).value = (tour.intro || {})[lang] || "";
    }
    $("tour-editor-cover").value = tour.cover_scene_id ? String(tour.cover_scene_id) : "";
    $("tour-editor-from").value = toLocalInput(tour.publish_from, zone);
    $("tour-editor-until").value = toLocalInput(tour.publish_until, zone);
  }

  const fromRows = (rows) => rows.map((row) => ({
    id: row.id, scene_id: row.scene_id, text: { ...(row.text || {}) },
    initial_view: row.initial_view ? { ...row.initial_view } : null,
  }));

  // --- stops ---------------------------------------------------------------------------------

  function viewText(view) {
    return view ? t("view_own", { yaw: round(view.yaw), pitch: round(view.pitch),
      zoom: round(view.zoom, 0) }) : t("view_scene");
  }

  function move(from, to, announce = true) {
    if (to < 0 || to >= stops.length || from === to) return;
    const [stop] = stops.splice(from, 1);
    stops.splice(to, 0, stop);
    markDirty();
    renderStops();
    if (announce) say(t("moved", { scene: sceneTitle(stop.scene_id), n: to + 1 }));
  }

  function button(label, action, extra = {}) {
    const element = document.createElement("button");
    element.type = "button";
    element.textContent = label;
    Object.assign(element.dataset, extra);
    element.addEventListener("click", action);
    return element;
  }

  async function showViewer(stop, index, holder) {
    closeViewer();
    const panel = document.createElement("div");
    panel.className = "tour-editor-view-panel";
    const frame = document.createElement("div");
    frame.className = "editor-viewer tour-editor-viewer";
    frame.setAttribute("role", "img");
    frame.setAttribute("aria-label", t("view_of", { place: sceneTitle(stop.scene_id) }));
    const tools = document.createElement("div");
    tools.className = "editor-toolbar";
    panel.append(frame, tools);
    holder.append(panel);
    openViewer = { panel, viewer: null, index };
    const answer = await fetch(data.urls.scene_view.replace("{id}", String(stop.scene_id)),
      { credentials: "same-origin", headers: { Accept: "application/json" } });
    const scene = await answer.json();
    if (!scene.panorama) {
      frame.textContent = t("no_panorama");
      return;
    }
    const view = stop.initial_view || scene.initial_view;
    const viewer = await mountTiledPanorama(frame, {
      manifest: scene.panorama, baseUrl: scene.panorama.base_url,
      yaw: `${view.yaw}deg`, pitch: `${view.pitch}deg`, zoom: view.zoom,
    });
    if (!openViewer || openViewer.panel !== panel) {
      viewer.destroy();
      return;
    }
    openViewer.viewer = viewer;
    // read by the browser tests
    window.flaneurTourViewer = viewer;
    tools.append(
      button(t("use_view"), () => {
        const position = viewer.getPosition();
        stop.initial_view = {
          yaw: round(yawDegrees(position.yaw), 2),
          pitch: round((position.pitch * 180) / Math.PI, 2),
          zoom: round(viewer.getZoomLevel(), 1),
        };
        markDirty();
        holder.querySelector("[data-view-label]").textContent = viewText(stop.initial_view);
        say(t("view_set", { n: index + 1 }));
      }, { action: "use-view" }),
      button(t("scene_view"), () => {
        stop.initial_view = null;
        markDirty();
        holder.querySelector("[data-view-label]").textContent = viewText(null);
      }, { action: "scene-view" }),
      button(t("close_view"), closeViewer, { action: "close-view" }),
    );
    panel.dataset.ready = "true";
  }

  function closeViewer() {
    if (!openViewer) return;
    if (openViewer.viewer) openViewer.viewer.destroy();
    openViewer.panel.remove();
    openViewer = null;
  }

  function stopItem(stop, index) {
    const item = document.createElement("li");
    item.className = "tour-editor-stop";
    item.draggable = true;
    item.dataset.index = String(index);
    item.dataset.scene = String(stop.scene_id);
    const head = document.createElement("div");
    head.className = "tour-editor-stop-head";
    const handle = document.createElement("span");
    handle.className = "tour-editor-handle";
    handle.setAttribute("aria-hidden", "true");
    handle.textContent = "⠿";
    const scene = scenes.get(stop.scene_id);
    const picture = document.createElement("img");
    picture.alt = "";
    picture.width = 96;
    picture.height = 48;
    picture.draggable = false;
    picture.className = "editor-thumb";
    if (scene && scene.thumbnail) picture.src = scene.thumbnail;
    else picture.hidden = true;
    const heading = document.createElement("h3");
    heading.textContent = t("stop", { n: index + 1, scene: sceneTitle(stop.scene_id) });
    const actions = document.createElement("div");
    actions.className = "editor-toolbar";
    const up = button(t("move_up"), () => {
      move(index, index - 1);
      stopList.querySelector(`[data-index="${index - 1}"] [data-action="up"]`)?.focus();
    }, { action: "up" });
    up.disabled = index === 0;
    const down = button(t("move_down"), () => {
      move(index, index + 1);
      stopList.querySelector(`[data-index="${index + 1}"] [data-action="down"]`)?.focus();
    }, { action: "down" });
    down.disabled = index === stops.length - 1;
    const remove = button(t("remove"), () => {
      closeViewer();
      stops.splice(index, 1);
      markDirty();
      renderStops();
      say(t("removed", { scene: sceneTitle(stop.scene_id) }));
    }, { action: "remove" });
    remove.classList.add("danger");
    for (const control of [up, down, remove]) {
      control.setAttribute("aria-label", `${control.textContent}: ${heading.textContent}`);
    }
    actions.append(up, down, remove);
    head.append(handle, picture, heading, actions);
    item.append(head);

    const texts = document.createElement("div");
    texts.className = "tour-editor-stop-texts";
    for (const lang of languages) {
      const id = `stop-${index}-text-${lang}`;
      const label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = t("stop_text", { language: data.language_names[lang] || lang });
      const area = document.createElement("textarea");
      area.id = id;
      area.rows = 2;
      area.lang = lang;
      area.maxLength = 5000;
      area.dataset.stopText = lang;
      area.value = stop.text[lang] || "";
      area.addEventListener("input", () => {
        stop.text[lang] = area.value;
        markDirty();
      });
      texts.append(label, area);
    }
    item.append(texts);

    const viewRow = document.createElement("div");
    viewRow.className = "tour-editor-stop-view";
    const viewLabel = document.createElement("span");
    viewLabel.dataset.viewLabel = "";
    viewLabel.textContent = viewText(stop.initial_view);
    const setView = button(t("set_view"), () => {
      if (openViewer && openViewer.index === index) closeViewer();
      else showViewer(stop, index, viewRow).catch((error) => say(String(error), "error"));
    }, { action: "set-view" });
    setView.setAttribute("aria-label", `${t("set_view")}: ${heading.textContent}`);
    viewRow.append(viewLabel, setView);
    item.append(viewRow);

    // drag and drop (the buttons above are the keyboard's way)
    item.addEventListener("dragstart", (event) => {
      if (event.target.closest("textarea, button, .tour-editor-view-panel")) {
        event.preventDefault();
        return;
      }
      dragged = index;
      item.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", String(index));
    });
    item.addEventListener("dragend", () => {
      item.classList.remove("dragging");
      dragged = null;
    });
    item.addEventListener("dragover", (event) => {
      if (dragged === null) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      item.classList.add("drop-target");
    });
    item.addEventListener("dragleave", () => item.classList.remove("drop-target"));
    item.addEventListener("drop", (event) => {
      event.preventDefault();
      item.classList.remove("drop-target");
      const from = dragged ?? Number(event.dataTransfer.getData("text/plain"));
      dragged = null;
      if (Number.isInteger(from)) move(from, index);
    });
    return item;
  }

  function renderStops() {
    closeViewer();
    stopList.replaceChildren(...stops.map(stopItem));
    if (!stops.length) {
      const empty = document.createElement("li");
      empty.className = "tour-editor-empty";
      empty.textContent = t("no_stops");
      stopList.append(empty);
    }
    stopList.dataset.order = stops.map((stop) => stop.scene_id).join(",");
  }

  // --- adding scenes -------------------------------------------------------------------------

  function renderScenes() {
    const query = search.value.trim().toLocaleLowerCase();
    const matches = data.scenes.filter((scene) => !query
      || scene.title.toLocaleLowerCase().includes(query) || scene.slug.includes(query));
    const items = matches.map((scene) => {
      const item = document.createElement("li");
      item.dataset.scene = scene.slug;
      const picture = document.createElement("img");
      picture.alt = "";
      picture.width = 96;
      picture.height = 48;
      picture.className = "editor-thumb";
      if (scene.thumbnail) picture.src = scene.thumbnail;
      else picture.hidden = true;
      const add = button(t("add", { scene: scene.title }), () => {
        stops.push({ id: null, scene_id: scene.id, text: {}, initial_view: null });
        markDirty();
        renderStops();
        say(t("added", { scene: scene.title, n: stops.length }));
      }, { action: "add" });
      item.append(picture, add);
      return item;
    });
    if (!items.length) {
      const none = document.createElement("li");
      none.textContent = t("no_scenes");
      items.push(none);
    }
    sceneList.replaceChildren(...items);
  }

  // --- saving and publishing -----------------------------------------------------------------

  function translations(attribute) {
    const values = {};
    for (const element of root.querySelectorAll(`[data-${attribute}]`)) {
      const value = element.value.trim();
      if (value) values[element.dataset[attribute]] = value;
    }
    return values;
  }

  function body() {
    const cover = $("tour-editor-cover").value;
    return {
      version: tour.version,
      title: translations("title"),
      intro: translations("intro"),
      cover_scene_id: cover ? Number(cover) : null,
      publish_from: fromLocalInput($("tour-editor-from").value, zone),
      publish_until: fromLocalInput($("tour-editor-until").value, zone),
      stops: stops.map((stop) => {
        const text = {};
        for (const [lang, value] of Object.entries(stop.text)) {
          if (value.trim()) text[lang] = value.trim();
        }
        return { id: stop.id, scene_id: stop.scene_id, text, initial_view: stop.initial_view };
      }),
    };
  }

  async function showConflict() {
    const [newer, rows] = await Promise.all([
      request("GET", `/tours/${tour.id}`), request("GET", `/tours/${tour.id}/stops`)]);
    const lines = [t("conflict"),
      t("conflict_title", { title: Object.values(newer.title || {})[0] || "" }),
      t("conflict_stops", { stops: rows.map((row) => sceneTitle(row.scene_id)).join(", ") })];
    conflictBox.replaceChildren(...lines.map((line) => {
      const paragraph = document.createElement("p");
      paragraph.textContent = line;
      return paragraph;
    }));
    conflictBox.hidden = false;
    // the editor's input stays; saving again is based on the newer version. Stops the other
    // editor removed are added again as new ones.
    const kept = new Set(rows.map((row) => row.id));
    for (const stop of stops) {
      if (stop.id !== null && !kept.has(stop.id)) stop.id = null;
    }
    tour = newer;
    showState();
    say(t("conflict"), "error");
    root.dataset.conflict = "true";
  }

  function failed(error) {
    const message = error instanceof ApiError ? error.message : String(error);
    say(t("failed", { message }), "error");
  }

  async function save() {
    say(t("saving"));
    try {
      const saved = await request("PUT", `/tours/${tour.id}/draft`, body());
      tour = saved.tour;
      stops = fromRows(saved.stops);
      dirty = false;
      delete root.dataset.dirty;
      delete root.dataset.conflict;
      conflictBox.hidden = true;
      renderStops();
      showState();
      say(t("saved"), "ok");
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) await showConflict();
      else failed(error);
      return false;
    }
  }

  async function publish() {
    if (dirty && !(await save())) return;
    say(t("publishing"));
    try {
      tour = await request("POST", `/tours/${tour.id}/publish`, { version: tour.version });
      showState();
      say(t("published"), "ok");
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) await showConflict();
      else failed(error);
    }
  }

  async function withdraw() {
    say(t("withdrawing"));
    try {
      tour = await request("POST", `/tours/${tour.id}/withdraw`, { version: tour.version });
      showState();
      say(t("withdrawn"), "ok");
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) await showConflict();
      else failed(error);
    }
  }

  root.addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  });
  root.addEventListener("input", (event) => {
    if (event.target.matches("[data-title], [data-intro], input[type=datetime-local]")) {
      markDirty();
    }
  });
  $("tour-editor-cover").addEventListener("change", markDirty);
  $("tour-editor-publish").addEventListener("click", () => publish());
  $("tour-editor-withdraw").addEventListener("click", () => withdraw());
  $("tour-editor-preview").addEventListener("click", () => {
    if (dirty) say(t("preview_unsaved"));
  });
  search.addEventListener("input", renderScenes);
  window.addEventListener("beforeunload", (event) => {
    if (dirty) event.preventDefault();
  });

  fillForm();
  stops = fromRows(data.stops);
  renderStops();
  renderScenes();
  showState();
}
