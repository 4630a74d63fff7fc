// The tour page's "embed this walk" box: a copy button for the <iframe> code shown in it.
import { copyText } from "./clipboard.js";
import { readStrings } from "./strings.js";

/** Wires the copy button of `box` (server/templates/walk/_embed_code.html). */
export function embedCodeBox(box) {
  const t = readStrings(box);
  const field = box.querySelector("textarea");
  const status = box.querySelector("[role=status]");
  const copy = box.querySelector("button");
  field.dataset.keepVisible = "true";
  copy.hidden = false;
  copy.addEventListener("click", () => copyText(field.value, t, status, field));
}
