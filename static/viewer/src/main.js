// Entry point of the viewer bundle: re-exports the modules pages use, and starts the walk on
// a page that has one (#walk-viewer, rendered by server/templates/walk/tour.html).
export { ApiError, request, urls, walkApi } from "./api.js";
export { PSV_FACES, tiledPanorama } from "./tiles.js";
export { mountPanorama, mountTiledPanorama } from "./viewer.js";
export { startWalk } from "./walk.js";
import { embedCodeBox } from "./embed_code.js";
import { readStrings } from "./strings.js";
import { startWalk } from "./walk.js";

const walkElement = document.getElementById("walk-viewer");
const embedCode = document.getElementById("walk-embed-code");
if (embedCode) embedCodeBox(embedCode);
if (walkElement) {
  startWalk(walkElement).then((viewer) => {
    // read by the browser tests (and handy in a console): the public page holds nothing secret
    window.flaneurViewer = viewer;
  }).catch((error) => {
    walkElement.dataset.error = String(error && error.message ? error.message : error);
    const message = document.createElement("p");
    message.className = "walk-error";
    message.setAttribute("role", "alert");
    message.textContent = readStrings(walkElement)("load_error");
    walkElement.after(message);
    console.error("the walk could not start", error);
  });
}
