// The tour's navigation under the viewer: "Stop 3 of 8", previous/next, the stop's text, a
// "back to the tour" button while the visitor walks freely, and the share button.
import { copyText } from "./clipboard.js";

function button(className, label) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = className;
  element.textContent = label;
  return element;
}

/**
 * Fills `nav`; `goTo(stop)` opens a stop of the tour (an API stop: scene, initial_view).
 * `load(tour, scene)` gives it the tour once read; `at(scene)` follows the viewer.
 */
export function tourNavigation(nav, t, { goTo }) {
  let stops = [];
  let current = 0;
  let scene = null;
  let shareUrl = () => location.href;

  const counter = document.createElement("p");
  counter.className = "walk-stop-counter";
  const previous = button("walk-previous", t("previous"));
  const next = button("walk-next", t("next"));
  const back = button("walk-back", t("back"));
  const text = document.createElement("p");
  text.className = "walk-stop-text";
  const shareButton = button("walk-share", t("share"));
  const status = document.createElement("span");
  status.className = "walk-share-status";
  status.setAttribute("role", "status");
  const field = document.createElement("input");
  field.className = "walk-share-url";
  field.type = "text";
  field.readOnly = true;
  field.hidden = true;
  field.setAttribute("aria-label", t("share"));
  const controls = document.createElement("div");
  controls.className = "walk-tour-controls";
  controls.append(previous, counter, next, back);
  const sharing = document.createElement("div");
  sharing.className = "walk-sharing";
  sharing.append(shareButton, status, field);
  nav.replaceChildren(controls, text, sharing);
  nav.hidden = false;

  const render = () => {
    const onStop = stops.length > 0 && stops[current].scene.slug === scene;
    controls.hidden = stops.length === 0;
    if (stops.length > 0) {
      counter.textContent = t("stop", { n: current + 1, m: stops.length });
      text.textContent = stops[current].text || "";
    }
    previous.disabled = current === 0;
    next.disabled = current >= stops.length - 1;
    back.hidden = onStop || stops.length === 0;
    text.hidden = !onStop || !text.textContent;
  };
  const go = (index) => {
    current = index;
    render();
    goTo(stops[index]);
  };
  previous.addEventListener("click", () => current > 0 && go(current - 1));
  next.addEventListener("click", () => current < stops.length - 1 && go(current + 1));
  back.addEventListener("click", () => go(current));
  shareButton.addEventListener("click", () => copyText(shareUrl(), t, status, field));

  return {
    load(tour, sceneNow) {
      stops = tour.stops;
      const found = stops.findIndex((stop) => stop.scene.slug === sceneNow);
      current = found >= 0 ? found : 0;
      scene = sceneNow;
      render();
    },
    at(sceneNow) {
      scene = sceneNow;
      status.textContent = "";
      const found = stops.findIndex((stop) => stop.scene.slug === sceneNow);
      if (found >= 0) current = found;
      render();
    },
    hide() {
      controls.hidden = true;
    },
    onShare(url) {
      shareUrl = url;
    },
  };
}
