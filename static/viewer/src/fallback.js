// What the walk page shows when this browser cannot draw the 360° view: a clear message and
// the way to the tour's text version, instead of a blank box or a broken viewer.

/**
 * True when the browser gives a WebGL 2 context, the one Photo Sphere Viewer needs (it checks
 * the same way and throws without one).
 */
export function hasWebGL() {
  try {
    return Boolean(document.createElement("canvas").getContext("webgl2"));
  } catch {
    return false;
  }
}

/** The page's link to the tour's text version (server-rendered, #walk-text-link). */
export function textVersionLink() {
  return document.getElementById("walk-text-link");
}

/**
 * Replaces the viewer's box in `container` by the message `t("no_webgl")` and a link to the
 * text version; marks the container `data-webgl="missing"` (read by the tests).
 */
export function showNoWebGL(container, t) {
  const message = document.createElement("div");
  message.className = "walk-fallback";
  message.setAttribute("role", "status");
  const text = document.createElement("p");
  text.textContent = t("no_webgl");
  message.append(text);
  const source = textVersionLink();
  if (source) {
    const link = document.createElement("a");
    link.href = source.href;
    link.textContent = t("text_version");
    const paragraph = document.createElement("p");
    paragraph.append(link);
    message.append(paragraph);
  }
  container.replaceChildren(message);
  container.removeAttribute("role");
  container.removeAttribute("aria-label");
  container.classList.add("walk-viewer-unavailable");
  container.dataset.webgl = "missing";
}
