// Mounts Photo Sphere Viewer on an element. Our vocabulary (panorama, scene) stays outside;
// PSV's own words appear only here and in tiles.js.
import { Viewer } from "@photo-sphere-viewer/core";
import { CubemapTilesAdapter } from "@photo-sphere-viewer/cubemap-tiles-adapter";
import "@photo-sphere-viewer/core/index.css";
import { tiledPanorama } from "./tiles.js";

function mount(container, options, { yaw = 0, pitch = 0, zoom = 50, caption = "" }) {
  return new Promise((resolve, reject) => {
    const viewer = new Viewer({
      container,
      caption,
      defaultYaw: yaw,
      defaultPitch: pitch,
      defaultZoomLvl: zoom,
      navbar: ["zoom", "move", "caption", "fullscreen"],
      loadingTxt: "",
      ...options,
    });
    viewer.addEventListener("ready", () => resolve(viewer), { once: true });
    viewer.addEventListener("panorama-error", (event) => reject(event.error), { once: true });
  });
}

/**
 * Shows an equirectangular image in `container` (yaw/pitch in radians or "90deg").
 * Resolves with the viewer once the first frame is ready.
 */
export function mountPanorama(container, { url, ...view }) {
  return mount(container, { panorama: url }, view);
}

/**
 * Shows a tiled panorama revision: `manifest` is its manifest.json, `baseUrl` the URL prefix
 * its keys are relative to. First paint from the preview faces, then the visible tiles.
 * `plugins` (PSV plugins, such as the markers plugin) are handed to the viewer as they are.
 */
export function mountTiledPanorama(container, { manifest, baseUrl, plugins = [], ...view }) {
  return mount(container, {
    adapter: CubemapTilesAdapter,
    panorama: tiledPanorama(manifest, baseUrl),
    plugins,
  }, view);
}
