// The hotspot editor inside the viewer (server/templates/editor/hotspots.html): the scene's
// hotspots as markers; "Add hotspot" then a click places one; a marker is dragged to move it
// (or selected in the list and nudged by 1° with buttons); a side form changes its kind, label
// in every language and target; every change can be undone (a stack of inverse changes).
// Every save sends the version it is based on: a 409 reloads the hotspots and says so.
// Shop owners get the same tool in their mode (data-tool.mode): in their interior scene they
// edit info/URL hotspots and their own shop's; in a street they ask for their shop's hotspot.
// The server applies the same rules; the locks here only spare them a refusal.
import { MarkersPlugin } from "@photo-sphere-viewer/markers-plugin";
import "@photo-sphere-viewer/markers-plugin/index.css";
import { ApiError, hotspotApi } from "../api.js";
import { readStrings } from "../strings.js";
import { mountTiledPanorama } from "../viewer.js";
import "./hotspots.css";

const deg = (value) => `${Number(value)}deg`;
const round = (value) => Math.round(value * 100) / 100;
/** PSV's radians (yaw 0..2π) as our degrees (yaw −180..180, pitch −90..90). */
function toDegrees({ yaw, pitch }) {
  let y = (yaw * 180) / Math.PI;
  y = ((y + 180) % 360 + 360) % 360 - 180;
  return { yaw: round(y), pitch: round((pitch * 180) / Math.PI) };
}
const clampPitch = (pitch) => Math.max(-90, Math.min(90, pitch));
const wrapYaw = (yaw) => round((((yaw + 180) % 360) + 360) % 360 - 180);
const markerId = (id) => `hotspot-${id}`;
/** The fields that make a hotspot what it is (what undo restores or recreates). */
const CONTENT = ["kind", "shop_id", "url", "text", "label"];

function element(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (name === "text") node.textContent = value;
    else if (name === "className") node.className = value;
    else if (name in node && typeof value !== "string") node[name] = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function pick(spot, names) {
  const picked = {};
  for (const name of names) picked[name] = spot[name];
  return picked;
}

export async function start(root) {
  const data = JSON.parse(root.dataset.tool);
  const panorama = JSON.parse(root.dataset.panorama);
  const t = readStrings(root);
  const lang = document.documentElement.lang || "en";
  const owned = new Set(data.owned_ids);
  const isEditor = data.actor === "editor";
  const requesting = data.mode === "request";
  const status = root.querySelector(".hotspot-status");
  const addButton = root.querySelector(".hotspot-add");
  const undoButton = root.querySelector(".hotspot-undo");
  const panel = root.querySelector(".hotspot-panel");

  /** id → hotspot as the API answered it */
  const spots = new Map();
  /** a deleted hotspot's old id → the id it was recreated with (undo) */
  const renamed = new Map();
  const undoStack = [];
  const shopNames = new Map(Object.entries(data.shop_names).map(([id, name]) => [Number(id), name]));
  let shops = data.owned_shops;
  let selected = null; // a hotspot id, "new" or null
  let draft = null; // {yaw, pitch} of the hotspot being placed
  let adding = false;
  let busy = false;

  // the toolbar's line is announced; the panel repeats it under the form (not announced
  // twice), where the eyes are after pressing Save
  const echo = element("p", { className: "editor-status hotspot-echo", "aria-hidden": "true" });
  const say = (message, kind = "ok") => {
    for (const line of [status, echo]) {
      line.textContent = message;
      line.dataset.kind = kind;
    }
  };
  const current = (id) => {
    let found = id;
    while (renamed.has(found)) found = renamed.get(found);
    return found;
  };
  const nameOf = (spot) => {
    const label = spot.label && (spot.label[lang] || Object.values(spot.label).find(Boolean));
    if (label) return label;
    if (spot.kind === "shop") return shopNames.get(spot.shop_id) || t("kind_shop");
    return t(`kind_${spot.kind}`);
  };
  const editable = (spot) => {
    if (isEditor) return true;
    const own = spot.kind === "shop" && owned.has(spot.shop_id);
    if (data.mode === "edit") return spot.kind !== "shop" || own;
    return own && spot.status !== "approved";
  };

  const viewer = await mountTiledPanorama(root.querySelector(".hotspot-viewer"), {
    manifest: panorama,
    baseUrl: panorama.base_url,
    yaw: deg(data.view.yaw),
    pitch: deg(data.view.pitch),
    zoom: data.view.zoom,
    plugins: [MarkersPlugin],
  });
  // read by the browser tests (and handy in a console)
  window.flaneurHotspotViewer = viewer;
  const markers = viewer.getPlugin(MarkersPlugin);

  // --- markers and dragging ------------------------------------------------------------

  let drag = null;
  function markerElement(spot) {
    const classes = ["hotspot-marker", `hotspot-marker-${spot.kind}`,
      `hotspot-status-${spot.status}`, "psv--capture-event"];
    if (selected === spot.id) classes.push("is-selected");
    if (!editable(spot)) classes.push("is-locked");
    const dot = element("span", { className: classes.join(" "), title: nameOf(spot),
      "aria-hidden": "true" });
    dot.dataset.hotspot = String(spot.id);
    dot.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      // no view rotation (PSV listens to the mouse events this suppresses)
      event.preventDefault();
      event.stopPropagation();
      drag = { id: spot.id, x: event.clientX, y: event.clientY, moved: false, to: null };
      if (editable(spot)) dot.setPointerCapture(event.pointerId);
    });
    dot.addEventListener("pointermove", (event) => {
      if (!drag || drag.id !== spot.id || !editable(spot)) return;
      if (!drag.moved && Math.hypot(event.clientX - drag.x, event.clientY - drag.y) < 4) return;
      drag.moved = true;
      const box = viewer.container.getBoundingClientRect();
      const position = viewer.dataHelper.viewerCoordsToSphericalCoords({
        x: event.clientX - box.left, y: event.clientY - box.top });
      drag.to = toDegrees(position);
      markers.updateMarker({ id: markerId(spot.id), position });
    });
    dot.addEventListener("pointerup", (event) => {
      if (!drag || drag.id !== spot.id) return;
      const finished = drag;
      drag = null;
      if (dot.hasPointerCapture(event.pointerId)) dot.releasePointerCapture(event.pointerId);
      if (finished.moved && finished.to) move(spot.id, finished.to);
      else select(spot.id);
    });
    return dot;
  }

  function drawMarkers() {
    markers.clearMarkers(false);
    for (const spot of spots.values()) {
      markers.addMarker({
        id: markerId(spot.id),
        element: markerElement(spot),
        size: { width: 28, height: 28 },
        position: { yaw: deg(spot.yaw), pitch: deg(spot.pitch) },
        data: { id: spot.id },
      }, false);
    }
    if (draft) {
      markers.addMarker({
        id: "hotspot-new",
        element: element("span", { className: "hotspot-marker hotspot-marker-new is-selected",
          "aria-hidden": "true" }),
        size: { width: 28, height: 28 },
        position: { yaw: deg(draft.yaw), pitch: deg(draft.pitch) },
      }, false);
    }
    viewer.needsUpdate();
  }

  // --- the side panel ------------------------------------------------------------------

  const listHeading = element("h2", { id: "hotspot-list-heading", text: t("list") });
  const list = element("ul", { className: "hotspot-list", "aria-labelledby": "hotspot-list-heading" });
  const nudges = element("fieldset", { className: "hotspot-nudge" }, [
    element("legend", { text: t("nudge") })]);
  for (const [name, dyaw, dpitch, symbol] of [["left", -1, 0, "←"], ["right", 1, 0, "→"],
    ["up", 0, 1, "↑"], ["down", 0, -1, "↓"]]) {
    const button = element("button", { type: "button", className: `hotspot-nudge-${name}`,
      "aria-label": t(name), title: t(name), text: symbol });
    button.addEventListener("click", () => {
      const spot = spots.get(selected);
      if (!spot) return;
      move(spot.id, { yaw: wrapYaw(spot.yaw + dyaw), pitch: clampPitch(round(spot.pitch + dpitch)) });
    });
    nudges.append(button);
  }
  const hint = element("p", { className: "hint", text: t("drag_hint") });
  const formHolder = element("div", { className: "hotspot-form-holder" });
  panel.append(listHeading, list, nudges, hint, formHolder, echo);

  function drawList() {
    list.replaceChildren();
    if (spots.size === 0) list.append(element("li", { className: "empty", text: t("none") }));
    for (const spot of spots.values()) {
      const state = spot.status !== "approved" ? ` · ${t(`status_${spot.status}`)}` : "";
      const button = element("button", {
        type: "button", className: "hotspot-list-item",
        "aria-pressed": selected === spot.id ? "true" : "false",
        text: `${nameOf(spot)} (${t(`kind_${spot.kind}`)})${state}`,
      });
      button.dataset.hotspot = String(spot.id);
      button.addEventListener("click", () => {
        select(spot.id);
        viewer.rotate({ yaw: deg(spot.yaw), pitch: deg(spot.pitch) });
      });
      list.append(element("li", {}, [button]));
    }
    const spot = spots.get(selected);
    for (const button of nudges.querySelectorAll("button")) {
      button.disabled = !spot || !editable(spot) || busy;
    }
  }

  function drawAll() {
    drawMarkers();
    drawList();
    undoButton.disabled = undoStack.length === 0 || busy;
  }

  function select(id) {
    if (id !== "new") draft = null;
    selected = id;
    drawAll();
    drawForm(true);
  }

  // --- the form --------------------------------------------------------------------------

  function textInputs(prefix, labelKey, multiline, values) {
    const inputs = {};
    const group = element("div", { className: `hotspot-${prefix}s` });
    for (const code of data.languages) {
      const id = `hotspot-${prefix}-${code}`;
      const input = multiline
        ? element("textarea", { id, name: `${prefix}-${code}`, rows: "2" })
        : element("input", { id, name: `${prefix}-${code}`, type: "text" });
      input.value = (values && values[code]) || "";
      inputs[code] = input;
      group.append(element("label", { for: id, text: t(labelKey, { language: t(`language_${code}`) }) }),
        input);
    }
    return { group, inputs };
  }

  const filled = (inputs) => {
    const values = {};
    for (const [code, input] of Object.entries(inputs)) {
      if (input.value.trim()) values[code] = input.value.trim();
    }
    return values;
  };

  function shopOptions(select, query, chosen) {
    const words = query.trim().toLowerCase();
    select.replaceChildren(element("option", { value: "", text: t("choose_shop") }));
    let shown = 0;
    for (const shop of shops) {
      const match = !words || shop.name.toLowerCase().includes(words) || shop.id === chosen;
      if (!match || shown >= 200) continue;
      shown += 1;
      const option = element("option", { value: String(shop.id), text: shop.name });
      if (shop.id === chosen) option.selected = true;
      select.append(option);
    }
  }

  /** the position line of the form shown, kept current while the hotspot moves */
  let shownPosition = null;
  const positionText = (where) => t("position", { yaw: round(where.yaw), pitch: round(where.pitch) });

  function drawForm(focus = false) {
    formHolder.replaceChildren();
    shownPosition = null;
    const spot = selected === "new" ? null : spots.get(selected);
    if (!spot && selected !== "new") return;
    const locked = spot ? !editable(spot) : false;
    const values = spot || { kind: requesting ? "shop" : "info",
      shop_id: data.preset_shop, label: {}, text: {}, url: null };
    const form = element("form", { className: "hotspot-form", novalidate: "" });
    const fields = element("fieldset", { disabled: locked });
    fields.append(element("legend", { text: spot ? `${t("edit")}: ${nameOf(spot)}` : t("new") }));
    shownPosition = element("p", { className: "hotspot-position", text: positionText(spot || draft) });
    fields.append(shownPosition);
    if (spot) {
      fields.append(element("p", { className: `hotspot-state hotspot-state-${spot.status}`,
        text: t(`status_${spot.status}`) }));
    }
    if (locked) fields.append(element("p", { className: "hotspot-locked", text: t("locked") }));

    const kind = element("select", { id: "hotspot-kind", name: "kind" });
    for (const name of requesting ? ["shop"] : ["shop", "info", "url"]) {
      const option = element("option", { value: name, text: t(`kind_${name}`) });
      if (name === values.kind) option.selected = true;
      kind.append(option);
    }
    fields.append(element("label", { for: "hotspot-kind", text: t("kind") }), kind);

    const shopPart = element("div", { className: "hotspot-target-shop" });
    const search = element("input", { id: "hotspot-shop-search", type: "search", name: "shop-search" });
    const shopSelect = element("select", { id: "hotspot-shop", name: "shop_id" });
    shopOptions(shopSelect, "", values.shop_id);
    search.addEventListener("input", () => shopOptions(shopSelect, search.value,
      Number(shopSelect.value) || null));
    shopPart.append(element("label", { for: "hotspot-shop-search", text: t("shop_search") }), search,
      element("label", { for: "hotspot-shop", text: t("shop") }), shopSelect);

    const labels = textInputs("label", "label_in", false, values.label);
    const texts = textInputs("text", "text_in", true, values.text);
    const urlPart = element("div", { className: "hotspot-target-url" });
    const url = element("input", { id: "hotspot-url", name: "url", type: "url" });
    url.value = values.url || "";
    urlPart.append(element("label", { for: "hotspot-url", text: t("url") }), url);
    fields.append(shopPart, labels.group, texts.group, urlPart);

    const showTargets = () => {
      shopPart.hidden = kind.value !== "shop";
      texts.group.hidden = kind.value !== "info";
      urlPart.hidden = kind.value === "shop";
    };
    kind.addEventListener("change", showTargets);
    showTargets();

    const actions = element("div", { className: "form-actions" });
    const save = element("button", { type: "submit", className: "primary",
      text: requesting && !spot ? t("send_request") : t("save") });
    actions.append(save);
    if (spot) {
      const remove = element("button", { type: "button", className: "danger", text: t("delete") });
      remove.addEventListener("click", () => removeSpot(spot.id));
      actions.append(remove);
    }
    const cancel = element("button", { type: "button", text: t("cancel") });
    cancel.addEventListener("click", () => select(null));
    actions.append(cancel);
    fields.append(actions);
    form.append(fields);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const content = { kind: kind.value, label: filled(labels.inputs) };
      if (kind.value === "shop") content.shop_id = Number(shopSelect.value) || null;
      if (kind.value === "info") content.text = filled(texts.inputs);
      if (kind.value !== "shop") content.url = url.value.trim() || null;
      if (spot) saveEdit(spot.id, content);
      else placeNew(content);
    });
    formHolder.append(form);
    if (focus && !locked) (spot ? kind : labels.inputs[lang] || kind).focus({ preventScroll: true });
  }

  // --- talking to the API ----------------------------------------------------------------

  async function reload() {
    const fresh = await hotspotApi.list(data.scene.id);
    spots.clear();
    for (const spot of fresh) spots.set(spot.id, spot);
    if (selected !== "new" && !spots.has(selected)) selected = null;
    drawAll();
  }

  /** Runs `work`; a refusal is said, a conflict or a vanished hotspot reloads. */
  async function guarded(work) {
    if (busy) return false;
    busy = true;
    drawAll();
    try {
      await work();
      return true;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 409 || error.status === 404)) {
        say(error.status === 409 ? t("conflict") : t("gone"), "error");
        await reload().catch(() => {});
        if (!spots.has(selected) && selected !== "new") drawForm();
      } else {
        say(t("failed", { reason: error.message }), "error");
        drawMarkers(); // a dragged marker goes back to where it is stored
      }
      return false;
    } finally {
      busy = false;
      drawAll();
    }
  }

  const store = (spot) => {
    spots.set(spot.id, spot);
    return spot;
  };

  async function placeNew(content) {
    const where = draft;
    await guarded(async () => {
      const spot = store(await hotspotApi.create(data.scene.id, { ...where, ...content }));
      undoStack.push({ kind: "create", id: spot.id });
      draft = null;
      say(spot.status === "requested" ? t("requested") : t("placed"));
      select(spot.id);
    });
  }

  async function saveEdit(id, content) {
    const before = pick(spots.get(id), CONTENT);
    const done = await guarded(async () => {
      store(await hotspotApi.update(id, { ...content, version: spots.get(id).version }));
      undoStack.push({ kind: "edit", id, before });
      say(t("saved"));
    });
    if (done) drawForm();
  }

  async function move(id, to) {
    const spot = spots.get(id);
    const from = { yaw: spot.yaw, pitch: spot.pitch };
    const done = await guarded(async () => {
      store(await hotspotApi.update(id, { ...to, version: spot.version }));
      undoStack.push({ kind: "move", id, from });
      say(t("moved"));
    });
    if (done && selected === id && shownPosition) shownPosition.textContent = positionText(spots.get(id));
    else if (done) select(id);
  }

  async function removeSpot(id) {
    const spot = spots.get(id);
    await guarded(async () => {
      await hotspotApi.remove(id, spot.version);
      spots.delete(id);
      undoStack.push({ kind: "delete", spot });
      say(t("deleted"));
      select(null);
    });
  }

  async function undo() {
    const step = undoStack.pop();
    if (!step) {
      say(t("nothing_to_undo"));
      return;
    }
    await guarded(async () => {
      if (step.kind === "create") {
        const id = current(step.id);
        await hotspotApi.remove(id, spots.get(id).version);
        spots.delete(id);
        if (selected === id) select(null);
      } else if (step.kind === "delete") {
        const old = step.spot;
        const again = store(await hotspotApi.create(data.scene.id, {
          yaw: old.yaw, pitch: old.pitch, ...pick(old, CONTENT) }));
        renamed.set(old.id, again.id);
        select(again.id);
      } else {
        const id = current(step.id);
        const changes = step.kind === "move" ? step.from : step.before;
        store(await hotspotApi.update(id, { ...changes, version: spots.get(id).version }));
        if (selected === id) drawForm();
      }
      say(t("undone"));
    });
  }

  // --- controls ----------------------------------------------------------------------------

  const setAdding = (on) => {
    adding = on;
    addButton.setAttribute("aria-pressed", on ? "true" : "false");
    root.classList.toggle("is-adding", on);
    if (on) say(t("adding"));
  };
  addButton.addEventListener("click", () => setAdding(!adding));
  viewer.addEventListener("click", ({ data: click }) => {
    if (!adding || click.rightclick) return;
    setAdding(false);
    draft = toDegrees(click);
    select("new");
  });
  undoButton.addEventListener("click", () => undo());
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest && event.target.closest("input, textarea, select");
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "z"
        && !typing) {
      event.preventDefault();
      undo();
    }
  });

  if (isEditor) {
    // every shop the editors keep, a page at a time (the search filters them in the form)
    const all = [];
    for (let page = 1; page < 100; page += 1) {
      const found = await hotspotApi.shops(page);
      for (const shop of found) {
        const name = shop.name[lang] || Object.values(shop.name).find(Boolean) || shop.slug;
        all.push({ id: shop.id, name });
        shopNames.set(shop.id, name);
      }
      if (found.length < 200) break;
    }
    shops = all.sort((a, b) => a.name.localeCompare(b.name));
  }
  await reload();
  if (data.select && spots.has(data.select)) {
    const spot = spots.get(data.select);
    select(spot.id);
    viewer.rotate({ yaw: deg(spot.yaw), pitch: deg(spot.pitch) });
  } else if (requesting) {
    setAdding(true);
  }
}
