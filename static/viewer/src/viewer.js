// Mounts Photo Sphere Viewer on an element. Our vocabulary (panorama, scene) stays outside;
// PSV's own words appear only here.
import { Viewer } from "@photo-sphere-viewer/core";
import "@photo-sphere-viewer/core/index.css";

/**
 * Shows an equirectangular panorama in `container`.
 * Resolves with the viewer once the first frame is ready.
 */
export function mountPanorama(container, { url, caption = "", yaw = 0, pitch = 0, zoom = 50 }) {
  return new Promise((resolve, reject) => {
    const viewer = new Viewer({
      container,
      panorama: url,
      caption,
      defaultYaw: yaw,
      defaultPitch: pitch,
      defaultZoomLvl: zoom,
      navbar: ["zoom", "move", "caption", "fullscreen"],
      loadingTxt: "",
    });
    viewer.addEventListener("ready", () => resolve(viewer), { once: true });
    viewer.addEventListener("panorama-error", (event) => reject(event.error), { once: true });
  });
}
