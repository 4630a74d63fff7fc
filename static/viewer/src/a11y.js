// The walk for keyboards and screen readers. Photo Sphere Viewer draws the view in WebGL and
// its arrows and markers are not focusable, so the page gets:
// - keyboard control of the view while it has focus (arrow keys turn, + and − zoom), never
//   while focus is elsewhere on the page;
// - a bar of real buttons under the view, rebuilt for every scene: one per link ("Go to
//   Marktplatz", a closed way says so and why) and one per hotspot ("Bäckerei Korn — shop"),
//   doing exactly what a click on the arrow or marker does;
// - the scene's photo credit, readable at any width, and Photo Sphere Viewer's buttons named
//   in the page's language.
import { textVersionLink } from "./fallback.js";

/** Keys that move the view while it has focus (Photo Sphere Viewer's `keyboardActions`). */
export const KEYBOARD_ACTIONS = {
  ArrowUp: "ROTATE_UP",
  ArrowDown: "ROTATE_DOWN",
  ArrowLeft: "ROTATE_LEFT",
  ArrowRight: "ROTATE_RIGHT",
  PageUp: "ZOOM_IN",
  PageDown: "ZOOM_OUT",
  // "+" is typed with Shift on many layouts, without on others and on the keypad
  "+": "ZOOM_IN",
  "Shift+Plus": "ZOOM_IN",
  "=": "ZOOM_IN",
  "-": "ZOOM_OUT",
  "Shift+_": "ZOOM_OUT",
};

/** Photo Sphere Viewer's own texts (its `lang` option) in the page's language. */
export function viewerLang(t) {
  return {
    zoom: t("psv_zoom"),
    zoomIn: t("psv_zoom_in"),
    zoomOut: t("psv_zoom_out"),
    moveUp: t("psv_move_up"),
    moveDown: t("psv_move_down"),
    moveLeft: t("psv_move_left"),
    moveRight: t("psv_move_right"),
    fullscreen: t("psv_fullscreen"),
    menu: t("psv_menu"),
    close: t("close"),
    loadError: t("load_error"),
    gyroscope: t("psv_gyroscope"),
  };
}

/** "Photo: Ana Ruiz (CC-BY-4.0)" from a scene's `credit`; "" without one. */
export function creditText(credit, t) {
  const author = ((credit && credit.author) || "").trim();
  const licence = ((credit && credit.licence) || "").trim();
  if (author && licence) return t("credit", { author, licence });
  if (author) return t("credit_author", { author });
  return licence ? t("credit_licence", { licence }) : "";
}

function formatDate(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(document.documentElement.lang || undefined,
    { dateStyle: "long" }).format(date);
}

/** "Closed until 3 May 2027: building works" from a link's `closed` ({until, reason}). */
export function closedNote(closed, t) {
  const note = closed.until ? t("closed_until", { date: formatDate(closed.until) })
    : t("closed");
  return closed.reason ? `${note}: ${closed.reason}` : note;
}

/** The name of a way on: "Go to Hall", and "(Closed …)" while it is closed. */
export function linkLabel(title, closed, t) {
  const label = t("go_to", { place: title });
  return closed ? `${label} (${closedNote(closed, t)})` : label;
}

/** "Bäckerei Korn — shop", "Fountain — information". */
export function hotspotLabel(hotspot, t) {
  const name = hotspot.label || (hotspot.shop && hotspot.shop.name) || hotspot.url || "";
  return `${name} — ${t(`kind_${hotspot.kind}`)}`;
}

/**
 * Lets the view take keyboard focus (`container` gets tabindex 0 and a visible hint) and
 * turns Photo Sphere Viewer's keyboard control on only while focus is inside it (or the
 * viewer is full screen), so the arrow keys scroll the page everywhere else.
 */
export function keyboardControl(viewer, container, t) {
  if (!container.hasAttribute("tabindex")) container.tabIndex = 0;
  const hint = document.createElement("p");
  hint.className = "walk-keys-hint";
  hint.id = `${container.id || "walk-viewer"}-keys`;
  hint.textContent = t("keys_hint");
  container.after(hint);
  container.setAttribute("aria-describedby", hint.id);

  const focused = () => container.contains(document.activeElement);
  container.addEventListener("focusin", () => viewer.startKeyboardControl());
  container.addEventListener("focusout", (event) => {
    if (!container.contains(event.relatedTarget) && !viewer.isFullscreenEnabled()) {
      viewer.stopKeyboardControl();
    }
  });
  // leaving full screen turns PSV's control off even when the view still has focus
  viewer.addEventListener("fullscreen", ({ fullscreenEnabled }) => {
    if (!fullscreenEnabled && focused()) viewer.startKeyboardControl();
  });
  // a mouse click on the view gives it focus (PSV's drag handler prevents the default one)
  container.addEventListener("pointerdown", (event) => {
    if (event.pointerType === "mouse" && !focused()) container.focus({ preventScroll: true });
  });
}

/**
 * Gives Photo Sphere Viewer's navbar buttons (divs with a title) a button role and name, and
 * Space as well as Enter to press them.
 */
export function nameViewerButtons(container) {
  for (const button of container.querySelectorAll(".psv-navbar .psv-button")) {
    // the zoom slider has no title: it is for the mouse (the zoom buttons and keys do the same)
    if (button.dataset.named || !button.title) continue;
    button.dataset.named = "true";
    button.setAttribute("role", "button");
    button.setAttribute("aria-label", button.title);
    button.addEventListener("keydown", (event) => {
      if (event.key === " ") {
        event.preventDefault();
        button.click();
      }
    });
  }
}

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

/** Marks the arrow or marker a button stands for while the button has focus or the pointer. */
function pairWith(button, container, selector, className) {
  const toggle = (on) => {
    for (const target of container.querySelectorAll(selector)) {
      target.classList.toggle(className, on);
    }
  };
  button.addEventListener("focus", () => toggle(true));
  button.addEventListener("blur", () => toggle(false));
  button.addEventListener("pointerenter", () => toggle(true));
  button.addEventListener("pointerleave", () => toggle(false));
}

/**
 * The bar of buttons under the view (after the `.walk-stage` around `container`).
 * `goTo(link)` follows a virtual-tour link (like a click on its arrow), `open(hotspot)` opens
 * a hotspot of the walk API (like a click on its marker). `show(node)` rebuilds the bar for a
 * virtual-tour node made by walk.js's `sceneNode`.
 */
export function placeControls(container, t, { goTo, open }) {
  const section = element("section", "walk-places");
  section.id = "walk-places";
  section.setAttribute("aria-label", t("places"));
  const credit = element("p", "walk-credit");
  const waysTitle = element("h2", "walk-places-title", t("ways"));
  waysTitle.id = "walk-places-ways";
  const ways = element("ul", "walk-places-list walk-places-ways");
  ways.setAttribute("aria-labelledby", waysTitle.id);
  const hotspotsTitle = element("h2", "walk-places-title", t("hotspots"));
  hotspotsTitle.id = "walk-places-hotspots";
  const hotspots = element("ul", "walk-places-list walk-places-hotspots");
  hotspots.setAttribute("aria-labelledby", hotspotsTitle.id);
  const waysGroup = element("div", "walk-places-group");
  waysGroup.append(waysTitle, ways);
  const hotspotsGroup = element("div", "walk-places-group");
  hotspotsGroup.append(hotspotsTitle, hotspots);
  const status = element("p", "visually-hidden");
  status.setAttribute("role", "status");
  section.append(credit, waysGroup, hotspotsGroup, status);
  (container.closest(".walk-stage") || container).after(section);

  const button = (label, className, action) => {
    const made = element("button", `walk-place-button ${className}`, label);
    made.type = "button";
    made.addEventListener("click", action);
    const item = element("li");
    item.append(made);
    return [item, made];
  };
  let shown = false;

  return {
    show(node) {
      const scene = node.data.scene;
      const hadFocus = section.contains(document.activeElement);
      credit.textContent = creditText(scene.credit, t);
      credit.hidden = !credit.textContent;
      ways.replaceChildren(...node.links.map((link) => {
        const closed = link.data.closed;
        const [item, made] = button(linkLabel(link.data.title, closed, t),
          closed ? "walk-place-link is-closed" : "walk-place-link", () => goTo(link));
        made.dataset.scene = link.nodeId;
        pairWith(made, container, `.walk-arrow[data-scene="${CSS.escape(link.nodeId)}"]`,
          "is-paired");
        return item;
      }));
      hotspots.replaceChildren(...scene.hotspots.map((hotspot) => {
        const [item, made] = button(hotspotLabel(hotspot, t),
          `walk-place-hotspot walk-place-${hotspot.kind}`, () => open(hotspot));
        made.dataset.hotspot = String(hotspot.id);
        pairWith(made, container, `.walk-hotspot[data-hotspot="${hotspot.id}"]`, "is-paired");
        return item;
      }));
      waysGroup.hidden = node.links.length === 0;
      hotspotsGroup.hidden = scene.hotspots.length === 0;
      container.setAttribute("aria-label", t("view_of", { place: scene.title }));
      // the text version opens at the scene shown
      const text = textVersionLink();
      if (text) text.hash = `scene-${node.id}`;
      if (shown) status.textContent = t("now_at", { place: scene.title });
      shown = true;
      if (hadFocus) (section.querySelector("button") || container).focus();
    },
  };
}
