// Copying a text for the visitor: the clipboard where the browser allows it, else the text
// shown selected in a field so it can be copied by hand (no clipboard over plain http).

/**
 * Copies `text`; `status` (a live region) says what happened, `field` (an input or textarea)
 * shows the text selected when the clipboard refuses. Resolves to true when copied.
 */
export async function copyText(text, t, status, field) {
  try {
    await navigator.clipboard.writeText(text);
    if (field.dataset.keepVisible !== "true") field.hidden = true;
    status.textContent = t("copied");
    return true;
  } catch {
    field.value = text;
    field.hidden = false;
    field.focus();
    field.select();
    status.textContent = t("copy_hint");
    return false;
  }
}
