// A scene's settings (/edit/scenes/<id>, server/templates/editor/scene.html): the scene in the
// viewer with markers where north and its ways lie now (yaw = north offset + bearing, geo.js),
// "Use this view" (initial view), "North is here" (north offset = the yaw looked at), "Set
// direction" for a way (bearing = clicked yaw − north offset), and a form for its texts, level
// and position. Every scene change sends the version it is based on; a 409 says so and shows
// the stored state. Changes are sent one after another, each with the version the last one
// answered.
import "@photo-sphere-viewer/markers-plugin/index.css";
import { MarkersPlugin } from "@photo-sphere-viewer/markers-plugin";
import "./scene_settings.css";
import { ApiError, request } from "../api.js";
import { bearingOfYaw, compassHeading, linkYaw } from "../geo.js";
import { currentView, yawDegrees } from "../state.js";
import { escapeHtml, readStrings } from "../strings.js";
import { mountTiledPanorama } from "../viewer.js";
import { fromLocalInput, toLocalInput } from "./city_time.js";

const LANGUAGES = ["de", "en", "es", "fr"];
/** Way markers sit a little below the horizon, like the visitors' arrows (radians). */
const ARROW_DROP = -0.2;
const deg = (value) => `${Number(value)}deg`;
const round = (value) => Math.round(value * 10) / 10;

function markerElement(className, text) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  element.setAttribute("aria-hidden", "true");
  return element;
}

export async function start(root) {
  const t = readStrings(root);
  const data = JSON.parse(root.dataset.scene);
  let scene = data.scene;
  const links = new Map(data.links.map((link) => [link.id, link]));
  const statusLine = root.querySelector("#scene-settings-status");
  const form = root.querySelector("#scene-settings-form");
  const say = (message, kind = "ok") => {
    statusLine.textContent = message;
    statusLine.dataset.kind = kind;
  };
  let busy = 0;
  const working = (change) => {
    busy += change;
    // read by the browser tests: no request of this page is under way
    root.dataset.busy = String(busy > 0);
  };
  working(0);

  let viewer = null;
  let markers = null;
  let picking = null;

  const showBearings = () => {
    for (const link of links.values()) {
      const shown = root.querySelector(`[data-bearing-of="${link.id}"]`);
      if (shown) shown.textContent = t("bearing", { bearing: round(link.bearing) });
    }
  };

  const showHeading = () => {
    if (!viewer) return;
    const heading = compassHeading(viewer.getPosition().yaw, scene.north_offset);
    const readout = root.querySelector("#scene-settings-heading-now");
    readout.textContent = t("heading", { heading });
    readout.dataset.heading = String(heading);
  };

  /** North and every way where they lie now. */
  const showMarkers = () => {
    if (!markers) return;
    markers.setMarkers([
      {
        id: "north",
        element: markerElement("scene-settings-north", t("north")),
        size: { width: 60, height: 28 },
        position: { yaw: deg(scene.north_offset), pitch: 0 },
        data: { north: true },
      },
      ...[...links.values()].map((link) => ({
        id: `link-${link.id}`,
        element: markerElement("scene-settings-way", t("way_to", { scene: link.to_title })),
        size: { width: 140, height: 28 },
        position: { yaw: deg(linkYaw(link.bearing, scene.north_offset)), pitch: ARROW_DROP },
        tooltip: { content: escapeHtml(t("way_to", { scene: link.to_title })) },
        data: { link: link.id },
      })),
    ]);
    showHeading();
  };

  const fillForm = () => {
    for (const code of LANGUAGES) {
      form.elements[`title-${code}`].value = (scene.title || {})[code] || "";
      form.elements[`description-${code}`].value = (scene.description || {})[code] || "";
    }
    form.elements.level.value = scene.level || "";
    form.elements.latitude.value = scene.latitude ?? "";
    form.elements.longitude.value = scene.longitude ?? "";
  };

  /** The stored scene and its ways, after a refusal: the page shows what is saved. */
  const reload = async () => {
    try {
      scene = await request("GET", `/scenes/${scene.id}`);
      for (const link of await request("GET", `/scenes/${scene.id}/links`)) {
        const known = links.get(link.id);
        if (known) Object.assign(known, link);
      }
    } catch (error) {
      say(t("failed", { message: error.message }), "error");
    }
    fillForm();
    showBearings();
    showMarkers();
    for (const link of links.values()) showWay(link);
  };

  const refused = async (error) => {
    if (error instanceof ApiError && error.status === 409) {
      say(t("conflict"), "error");
      await reload();
      return;
    }
    const details = Object.entries((error.errors && error.errors.json) || {})
      .map(([field, messages]) => `${field}: ${JSON.stringify(messages)}`).join("; ");
    say(t("failed", { message: details ? `${error.message} (${details})` : error.message }),
      "error");
  };

  // one change after another, each based on the version the previous one answered
  let queue = Promise.resolve();
  const enqueue = (task) => {
    working(1);
    say(t("saving"));
    queue = queue.then(task).catch(refused).finally(() => working(-1));
    return queue;
  };
  const saveScene = (changes, done) => enqueue(async () => {
    scene = await request("PATCH", `/scenes/${scene.id}`, { ...changes, version: scene.version });
    // the form shows what was stored (trimmed, cleaned) after its own save only: other saves
    // leave what the editor is typing alone
    if ("title" in changes) fillForm();
    showMarkers();
    say(done);
  });

  const setBearing = (linkId, yaw) => {
    const link = links.get(linkId);
    const bearing = round(bearingOfYaw(yaw, scene.north_offset));
    return enqueue(async () => {
      // based on the version shown: a way another editor turned meanwhile is a conflict
      const answer = await request("PATCH", `/links/${linkId}`, { bearing, version: link.version });
      link.bearing = answer.bearing;
      link.version = answer.version;
      showBearings();
      showMarkers();
      say(t("direction_saved", { scene: link.to_title, bearing: round(answer.bearing) }));
    });
  };

  // --- the viewer ----------------------------------------------------------------------------

  const container = root.querySelector("#scene-settings-viewer");
  if (data.panorama && container) {
    const view = scene.initial_view;
    viewer = await mountTiledPanorama(container, {
      manifest: data.panorama, baseUrl: data.panorama.base_url,
      yaw: deg(view.yaw), pitch: deg(view.pitch), zoom: view.zoom, plugins: [MarkersPlugin],
    });
    // read by the browser tests (and handy in a console)
    window.flaneurEditorViewer = viewer;
    markers = viewer.getPlugin(MarkersPlugin);
    viewer.addEventListener("position-updated", showHeading);
    showMarkers();

    const pickPanel = root.querySelector("#scene-settings-pick");
    const pickText = root.querySelector("#scene-settings-pick-text");
    const setButtons = [...root.querySelectorAll("[data-set-direction]")];
    const pick = (linkId) => {
      picking = linkId;
      for (const button of setButtons) {
        button.setAttribute("aria-pressed", String(Number(button.dataset.setDirection) === linkId));
      }
      if (!pickPanel) return;
      pickPanel.hidden = linkId === null;
      root.dataset.picking = linkId === null ? "" : String(linkId);
      if (linkId !== null) {
        pickText.textContent = t("pick_direction", { scene: links.get(linkId).to_title });
      }
    };
    for (const button of setButtons) {
      button.disabled = false;
      button.addEventListener("click", () => pick(Number(button.dataset.setDirection)));
    }
    pickPanel?.querySelector("#scene-settings-pick-cancel").addEventListener("click", () => {
      pick(null);
      say("");
    });
    pickPanel?.querySelector("#scene-settings-pick-middle").addEventListener("click", () => {
      if (picking === null) return;
      const linkId = picking;
      pick(null);
      setBearing(linkId, yawDegrees(viewer.getPosition().yaw));
    });
    viewer.addEventListener("click", ({ data: clicked }) => {
      if (picking === null) return;
      const linkId = picking;
      pick(null);
      setBearing(linkId, yawDegrees(clicked.yaw));
    });

    const useView = root.querySelector("#scene-settings-use-view");
    const north = root.querySelector("#scene-settings-north");
    useView.disabled = false;
    north.disabled = false;
    useView.addEventListener("click", () => {
      saveScene({ initial_view: currentView(viewer) }, t("view_saved"));
    });
    north.addEventListener("click", () => {
      saveScene({ north_offset: currentView(viewer).yaw }, t("north_saved"));
    });
  }

  // --- each way's kind, length and closure --------------------------------------------------

  const zone = data.time_zone;
  const showWay = (link) => {
    const state = root.querySelector(`[data-way-state="${link.id}"]`);
    const closed = link.closed_until && new Date(link.closed_until) > new Date();
    if (state) {
      state.textContent = closed ? t("way_closed", {
        date: new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
          timeZone: zone, dateStyle: "medium", timeStyle: "short" })
          .format(new Date(link.closed_until)) }) : "";
    }
    const wayForm = root.querySelector(`[data-way-form="${link.id}"]`);
    if (!wayForm) return;
    wayForm.elements.kind.value = link.kind;
    wayForm.elements.length_m.value = link.length_m ?? "";
    wayForm.elements.closed_until.value = toLocalInput(closed ? link.closed_until : null, zone);
    for (const code of LANGUAGES) {
      wayForm.elements[`reason-${code}`].value = (link.closed_reason || {})[code] || "";
    }
  };
  for (const wayForm of root.querySelectorAll("[data-way-form]")) {
    const link = links.get(Number(wayForm.dataset.wayForm));
    showWay(link);
    wayForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const length = wayForm.elements.length_m.value.trim();
      const changes = {
        kind: wayForm.elements.kind.value,
        length_m: length === "" ? null : Number(length),
        closed_until: fromLocalInput(wayForm.elements.closed_until.value, zone),
        closed_reason: Object.fromEntries(LANGUAGES.map((code) =>
          [code, wayForm.elements[`reason-${code}`].value.trim()]).filter(([, value]) => value)),
      };
      const both = wayForm.elements.both && wayForm.elements.both.checked && link.reverse_id;
      enqueue(async () => {
        const answer = await request("PATCH", `/links/${link.id}`,
          { ...changes, version: link.version });
        Object.assign(link, answer);
        if (both) {
          const back = await request("PATCH", `/links/${link.reverse_id}`,
            { ...changes, version: link.reverse_version });
          link.reverse_version = back.version;
        }
        showWay(link);
        say(t("way_saved", { scene: link.to_title }));
      });
    });
  }

  // --- the texts -----------------------------------------------------------------------------

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const texts = (name) => Object.fromEntries(LANGUAGES.map((code) =>
      [code, form.elements[`${name}-${code}`].value.trim()]).filter(([, value]) => value));
    const number = (name) => {
      const value = form.elements[name].value.trim();
      return value === "" ? null : value;
    };
    saveScene({
      title: texts("title"), description: texts("description"),
      level: form.elements.level.value.trim() || null,
      latitude: number("latitude"), longitude: number("longitude"),
    }, t("saved"));
  });
  showBearings();
}
