// The preview of a tour's saved draft (server/templates/editor/tour_preview.html): one viewer
// showing each stop at its view, with the previous/next buttons visitors get.
import { readStrings } from "../strings.js";
import { mountTiledPanorama } from "../viewer.js";

export async function start(root) {
  const stops = JSON.parse(root.dataset.stops);
  const t = readStrings(root);
  const frame = document.getElementById("tour-preview-viewer");
  const position = document.getElementById("tour-preview-position");
  const previous = document.getElementById("tour-preview-previous");
  const next = document.getElementById("tour-preview-next");
  let viewer = null;
  let index = 0;

  async function show(at) {
    index = at;
    const stop = stops[index];
    if (viewer) viewer.destroy();
    viewer = null;
    frame.replaceChildren();
    frame.setAttribute("aria-label", t("view_of", { place: stop.title }));
    position.textContent = t("stop", { n: stop.position, m: stops.length });
    previous.disabled = index === 0;
    next.disabled = index === stops.length - 1;
    for (const item of document.querySelectorAll("#tour-preview-stops li")) {
      if (Number(item.dataset.position) === stop.position) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
    }
    viewer = await mountTiledPanorama(frame, {
      manifest: stop.panorama, baseUrl: stop.panorama.base_url,
      yaw: `${stop.view.yaw}deg`, pitch: `${stop.view.pitch}deg`, zoom: stop.view.zoom,
    });
    root.dataset.stop = String(stop.position);
  }

  previous.addEventListener("click", () => show(Math.max(0, index - 1)));
  next.addEventListener("click", () => show(Math.min(stops.length - 1, index + 1)));
  await show(0);
}
