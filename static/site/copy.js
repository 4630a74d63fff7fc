// Copy buttons for secrets shown once (account links, two-factor keys): a button with
// data-copy="<id>" copies that element's text. Without scripts the buttons stay hidden and
// the text can be selected by hand.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  if (!navigator.clipboard) {
    return;
  }
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      if (!source) {
        return;
      }
      try {
        await navigator.clipboard.writeText(source.textContent.trim());
        button.textContent = button.dataset.copied;
      } catch {
        // the browser refused (no permission): the text is still there to select
      }
    });
  }
});
