// The view in the address bar: /tours/<tour>/<scene>?yaw=…&pitch=…&zoom=… (degrees rounded to
// 0.1, zoom 0..100), so the URL can be shared and opens exactly what the visitor sees.
import { urls } from "./api.js";

const RADIANS = Math.PI / 180;

/** PSV's yaw (radians, 0..2π) as our degrees in −180 ≤ yaw < 180. */
export function yawDegrees(radians) {
  const degrees = (((radians / RADIANS) % 360) + 360) % 360;
  return degrees >= 180 ? degrees - 360 : degrees;
}

export const pitchDegrees = (radians) => radians / RADIANS;

const round = (value) => Math.round(value * 10) / 10;

/** The view a viewer shows now, in our units. */
export function currentView(viewer) {
  const position = viewer.getPosition();
  let yaw = round(yawDegrees(position.yaw));
  if (yaw >= 180) yaw -= 360;
  return { yaw, pitch: round(pitchDegrees(position.pitch)), zoom: round(viewer.getZoomLevel()) };
}

/** The address of a scene of a tour at a view (the embed page's when `embedded`). */
export function viewUrl(tour, scene, view, embedded = false) {
  const query = new URLSearchParams({
    yaw: String(view.yaw), pitch: String(view.pitch), zoom: String(view.zoom),
  });
  const path = embedded ? urls.embedScene(tour, scene) : urls.walkScene(tour, scene);
  return `${path}?${query}`;
}

/**
 * Points the site's language links (`a[hreflang]` in `.languages`) at the current address, so
 * switching the language keeps the scene and the view.
 */
export function keepLanguageLinks(root = document) {
  for (const link of root.querySelectorAll(".languages a[hreflang]")) {
    const query = new URLSearchParams(location.search);
    query.set("lang", link.getAttribute("hreflang"));
    link.setAttribute("href", `${location.pathname}?${query}`);
  }
}

/**
 * Keeps the address bar in step with the view, at most once per `interval` ms (browsers
 * throttle replaceState calls themselves; a burst of moves ends with the last view written).
 * In an embed page the frame's own address keeps the embed path, and the "open the full walk"
 * link (`#walk-open-full`) follows the view; `url()` is always the full page's address.
 */
export function addressKeeper(tour, { interval = 250, embedded = false } = {}) {
  let timer = null;
  let pending = null;
  let last = 0;
  const write = () => {
    timer = null;
    last = Date.now();
    const { scene, view } = pending;
    const url = viewUrl(tour, scene, view, embedded);
    if (url !== location.pathname + location.search) {
      history.replaceState(history.state, "", url);
    }
    // also when the address did not change: the server's links may lack the view
    keepLanguageLinks();
    const full = document.getElementById("walk-open-full");
    if (full) full.href = location.origin + viewUrl(tour, scene, view);
  };
  return {
    /** Note the view; `now` writes at once (after a scene change). */
    update(scene, view, now = false) {
      pending = { scene, view };
      if (now) {
        clearTimeout(timer);
        write();
      } else if (timer === null) {
        timer = setTimeout(write, Math.max(0, interval - (Date.now() - last)));
      }
    },
    url: () => (pending ? location.origin + viewUrl(tour, pending.scene, pending.view)
      : location.href),
  };
}
