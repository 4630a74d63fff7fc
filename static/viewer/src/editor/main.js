// Entry point of the editors' bundle (dist/editor.js, loaded by server/templates/editor/base.html):
// starts the tool named by each [data-editor] element of the page. Every tool module exports a
// start(root) that reads its data from the element's data attributes and the editors' JSON API.
import "./editor.css";
import { start as floorPlan } from "./floor_plan_editor.js";
import { start as hotspots } from "./hotspots.js";
import { start as plan } from "./plan_editor.js";
import { start as privacy } from "./privacy.js";
import { start as scene } from "./scene_settings.js";
import { start as statistics } from "./statistics.js";
import { start as tour } from "./tour_editor.js";
import { start as tourPreview } from "./tour_preview.js";
import { start as upload } from "./upload.js";

/** data-editor value → the tool's start function */
const tools = {
  floor_plan: floorPlan,
  hotspots,
  plan,
  privacy,
  scene,
  statistics,
  tour,
  tour_preview: tourPreview,
  upload,
};

for (const root of document.querySelectorAll("[data-editor]")) {
  const start = tools[root.dataset.editor];
  if (!start) {
    console.error("no editing tool named", root.dataset.editor);
    continue;
  }
  Promise.resolve(start(root)).then(() => {
    root.dataset.ready = "true";
  }).catch((error) => {
    // shown to the editor and read by the browser tests
    root.dataset.error = String(error && error.message ? error.message : error);
    console.error("the editing tool could not start", error);
  });
}
