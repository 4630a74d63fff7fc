// The viewer's texts come from the page (data-strings, filled from the Babel catalogue by the
// server), never from this bundle, so they follow the site's language.

/** `template` with each `%(name)s` replaced by `values[name]`. */
export function format(template, values) {
  return String(template).replace(/%\((\w+)\)s/g, (whole, name) =>
    (name in values ? String(values[name]) : whole));
}

/** The page's strings: a lookup that falls back to the key rather than failing. */
export function readStrings(element) {
  let table = {};
  try {
    table = JSON.parse(element.dataset.strings || "{}");
  } catch {
    table = {};
  }
  return (key, values = {}) => format(key in table ? table[key] : key, values);
}

/** Text made safe for the few places PSV takes an HTML string (tooltips). */
export function escapeHtml(text) {
  const holder = document.createElement("span");
  holder.textContent = String(text ?? "");
  return holder.innerHTML;
}
