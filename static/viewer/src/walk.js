// The visitors' walk page: Photo Sphere Viewer with the cubemap-tiles adapter, the
// virtual-tour plugin in server mode (each scene read from /api/walk/scenes/<slug>), hotspot
// markers opening cards, the tour's stop navigation and the view kept in the address bar.
import { Viewer } from "@photo-sphere-viewer/core";
import { CubemapTilesAdapter } from "@photo-sphere-viewer/cubemap-tiles-adapter";
import { MarkersPlugin } from "@photo-sphere-viewer/markers-plugin";
import { VirtualTourPlugin } from "@photo-sphere-viewer/virtual-tour-plugin";
import "@photo-sphere-viewer/core/index.css";
import "@photo-sphere-viewer/markers-plugin/index.css";
import "@photo-sphere-viewer/virtual-tour-plugin/index.css";
import "./walk.css";
import { walkApi } from "./api.js";
import {
  KEYBOARD_ACTIONS, creditText, keyboardControl, linkLabel, nameViewerButtons, placeControls,
  viewerLang,
} from "./a11y.js";
import { cardPanel, openLink } from "./cards.js";
import { hasWebGL, showNoWebGL } from "./fallback.js";
import { WalkGyroscopePlugin } from "./gyroscope.js";
import { walkPlan } from "./plan.js";
import { reportForm } from "./report.js";
import { routeFinder } from "./route.js";
import { addressKeeper, currentView } from "./state.js";
import { countEvent } from "./stats.js";
import { escapeHtml, readStrings } from "./strings.js";
import { tiledPanorama } from "./tiles.js";
import { tourNavigation } from "./tour_nav.js";

const deg = (value) => `${Number(value)}deg`;
/** Arrows sit a little below the horizon, where the way goes on (radians). */
const ARROW_DROP = -0.2;

/**
 * The latest arrow element made for each target scene: the guide highlights one as soon as
 * a scene is shown, before Photo Sphere Viewer puts the arrows into the page on its next frame.
 */
const arrowsMade = new Map();

/** An arrow's element; its title is the tooltip (PSV's own would fetch the target scene). */
function arrowElement(t) {
  return (link) => {
    const arrow = document.createElement("span");
    arrowsMade.set(link.nodeId, arrow);
    arrow.className = "walk-arrow";
    arrow.dataset.scene = link.nodeId;
    arrow.title = linkLabel(link.data.title, link.data.closed, t);
    if (link.data.closed) arrow.classList.add("walk-arrow-closed");
    arrow.setAttribute("aria-hidden", "true");
    return arrow;
  };
}

function hotspotElement(hotspot) {
  const dot = document.createElement("span");
  dot.className = `walk-hotspot walk-hotspot-${hotspot.kind}`;
  dot.dataset.hotspot = String(hotspot.id);
  return dot;
}

/** A scene of the API as a node of the virtual tour (`t`: the page's strings). */
export function sceneNode(scene, t) {
  const panorama = scene.panorama;
  return {
    id: scene.slug,
    // PSV puts names and captions into the page as HTML: editors' text goes in escaped
    name: escapeHtml(scene.title),
    caption: escapeHtml([scene.title, creditText(scene.credit, t)].filter(Boolean).join(" · ")),
    panorama: tiledPanorama(panorama, panorama.base_url),
    links: scene.links.map((link) => ({
      nodeId: link.scene.slug,
      position: { yaw: deg(link.yaw), pitch: 0 },
      linkOffset: { pitch: ARROW_DROP },
      data: { title: link.label || link.scene.title, closed: link.closed },
    })),
    markers: scene.hotspots.map((hotspot) => ({
      id: `hotspot-${hotspot.id}`,
      element: hotspotElement(hotspot),
      size: { width: 28, height: 28 },
      position: { yaw: deg(hotspot.yaw), pitch: deg(hotspot.pitch) },
      tooltip: hotspot.label ? { content: escapeHtml(hotspot.label) } : undefined,
      data: { hotspot },
    })),
    data: { scene },
  };
}

function startViewer(container, t) {
  return new Viewer({
    container,
    adapter: CubemapTilesAdapter,
    defaultZoomLvl: Number(container.dataset.zoom) || 50,
    navbar: ["zoom", "move", "caption", "gyroscope", "fullscreen"],
    loadingTxt: "",
    lang: viewerLang(t),
    // on while the view has focus (a11y.js), so arrow keys scroll the page everywhere else
    keyboard: "fullscreen",
    keyboardActions: KEYBOARD_ACTIONS,
    plugins: [
      MarkersPlugin,
      // its button shows only where the device can tell its orientation
      WalkGyroscopePlugin,
      VirtualTourPlugin.withConfig({
        dataMode: "server",
        positionMode: "manual",
        renderMode: "2d",
        preload: false,
        getNode: async (slug) => sceneNode(await walkApi.scene(slug), t),
        arrowStyle: { element: arrowElement(t), size: { width: 56, height: 56 } },
        showLinkTooltip: false,
        transitionOptions: { showLoader: false, speed: "20rpm", effect: "fade", rotation: true },
      }),
    ],
  });
}

/** Mounts the walk on the page's #walk-viewer; resolves once the first scene is shown. */
export async function startWalk(container) {
  const t = readStrings(container);
  const tour = container.dataset.tour;
  // a shared route (?route_to=<shop> or ?route_to_scene=<scene>, &step_free=1), read before
  // the address keeper rewrites the address
  const asked = new URLSearchParams(location.search);
  const sharedRoute = asked.get("route_to") ? { shop: asked.get("route_to") }
    : asked.get("route_to_scene") ? { scene: asked.get("route_to_scene") } : null;
  const kiosk = container.dataset.kiosk === "true";
  const start = {
    scene: container.dataset.scene,
    view: {
      yaw: Number(container.dataset.yaw) || 0,
      pitch: Number(container.dataset.pitch) || 0,
      zoom: Number(container.dataset.zoom) || 50,
    },
  };
  // "Report this image" sends the scene and view shown now (the start's until a viewer runs)
  let shownViewer = null;
  reportForm(document.getElementById("walk-report"), {
    current: () => ({
      scene: container.dataset.scene,
      view: shownViewer ? currentView(shownViewer) : start.view,
    }),
  });
  if (!hasWebGL()) {
    // no broken viewer: a message and the way to the text version instead
    showNoWebGL(container, t);
    return null;
  }
  const viewer = startViewer(container, t);
  shownViewer = viewer;
  const virtualTour = viewer.getPlugin(VirtualTourPlugin);
  const markers = viewer.getPlugin(MarkersPlugin);
  const panel = cardPanel(document.getElementById("walk-card"), t);
  const address = addressKeeper(tour, { embedded: container.dataset.embedded === "true" });
  const sceneNow = () => virtualTour.getCurrentNode()?.id || start.scene;
  const remember = (now = false) => address.update(sceneNow(), currentView(viewer), now);

  /** Opens `scene` looking at `view` (our degrees), without the arrow transition. */
  const open = (scene, view) => virtualTour.setCurrentNode(scene, {
    rotateTo: { yaw: deg(view.yaw), pitch: deg(view.pitch) },
    zoomTo: view.zoom,
    effect: "none",
    rotation: false,
    showLoader: false,
  });

  const showHotspot = (hotspot) => {
    countEvent("hotspot_open", hotspot.id);
    if (hotspot.shop) countEvent("card_open", hotspot.shop.id);
    if (hotspot.kind === "url" && !hotspot.text) openLink(hotspot.url);
    else panel.show(hotspot);
  };
  markers.addEventListener("select-marker", ({ marker }) => {
    const hotspot = marker.data && marker.data.hotspot;
    if (hotspot) showHotspot(hotspot);
  });
  // keyboard and screen-reader access: focusable view, a button for every arrow and marker
  keyboardControl(viewer, container, t);
  viewer.addEventListener("ready", () => nameViewerButtons(container), { once: true });
  const places = placeControls(container, t, {
    goTo: (link) => virtualTour.setCurrentNode(link.nodeId, null, link),
    // the view turns to the place too, so a sighted keyboard user sees which one it is
    open: (hotspot) => {
      viewer.rotate({ yaw: deg(hotspot.yaw), pitch: deg(hotspot.pitch) });
      showHotspot(hotspot);
    },
  });
  viewer.addEventListener("position-updated", () => remember());
  viewer.addEventListener("zoom-updated", () => remember());

  // "Find a shop" and "Guide me" (route.js): it follows the scene shown like the plan does
  const finder = routeFinder(document.getElementById("walk-route"),
    document.getElementById("walk-guide"), t, {
      tour,
      kiosk,
      sceneNow,
      goTo: (slug) => {
        const link = (virtualTour.getCurrentNode()?.links || [])
          .find((candidate) => candidate.nodeId === slug);
        virtualTour.setCurrentNode(slug, null, link);
      },
      turnTo: (yaw, pitch) => viewer.rotate({ yaw: deg(yaw), pitch: deg(pitch) }),
      openHotspot: (id) => {
        const found = (virtualTour.getCurrentNode()?.markers || [])
          .find((candidate) => candidate.id === `hotspot-${id}`);
        if (found && found.data && found.data.hotspot) showHotspot(found.data.hotspot);
      },
      arrows: () => arrowsMade.values(),
      // the plan is made below; a route arrives only after it exists
      showOnPlan: (slugs) => plan.route(slugs),
    });

  const navigation = tourNavigation(document.getElementById("walk-tour-nav"), t, {
    goTo: (stop) => open(stop.scene.slug, stop.initial_view),
  });
  const shown = new Promise((resolve, reject) => {
    virtualTour.addEventListener("node-changed", ({ node }) => {
      panel.hide();
      places.show(node);
      navigation.at(node.id);
      remember(true);
      container.dataset.scene = node.id;
      finder.at(node.id);
      countEvent("scene_view", node.data && node.data.scene && node.data.scene.id);
      resolve();
    });
    viewer.addEventListener("panorama-error", (event) => reject(event.error), { once: true });
  });
  walkApi.tour(tour).then((detail) => {
    countEvent("tour_view", detail.id);
    navigation.load(detail, sceneNow());
  })
    .catch(() => navigation.hide());
  navigation.onShare(() => address.url());
  // the plan of the walk: a dot opens its scene as a stop does; it follows node changes itself
  const plan = walkPlan(document.getElementById("walk-plan"), t, {
    viewer, virtualTour, goTo: (scene) => open(scene.slug, scene.initial_view),
  });
  walkApi.plan(tour).then((answer) => plan.load(answer, sceneNow())).catch(() => plan.hide());

  await open(start.scene, start.view);
  await shown;
  container.dataset.ready = "true";
  if (sharedRoute) {
    finder.start(sharedRoute, { stepFreeRoute: asked.get("step_free") === "1" });
  }
  if (kiosk) kioskMode(container, finder, () => open(start.scene, start.view));
  return viewer;
}

/** A kiosk's screen: after a while without a touch, back to the start for the next visitor. */
const KIOSK_IDLE_MS = 120_000;
function kioskMode(container, finder, backToStart) {
  let timer = null;
  const restart = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      finder.reset();
      backToStart();
    }, Number(container.dataset.kioskIdle) || KIOSK_IDLE_MS);
  };
  for (const kind of ["pointerdown", "keydown", "wheel"]) {
    document.addEventListener(kind, restart, { passive: true });
  }
  restart();
}
