// "Report this image": the walk page's small form (server/templates/walk/tour.html) sent to
// /api/walk/scenes/<slug>/reports with the scene and the view shown at that moment, so the
// editors see what the visitor meant. The page renders the form hidden: without this script
// it could not be sent, so it only appears when the script runs.
import { walkApi } from "./api.js";

/**
 * Wires the form inside `details` (#walk-report). `current()` gives the scene slug and the
 * view ({yaw, pitch, zoom}) shown now.
 */
export function reportForm(details, { current }) {
  if (!details) return;
  const form = details.querySelector("form");
  const status = details.querySelector(".walk-report-status");
  const button = form.querySelector("button[type=submit]");
  details.hidden = false;
  // the text version links here: open the form at once
  if (window.location.hash === "#walk-report") details.open = true;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const { scene, view } = current();
    button.disabled = true;
    status.textContent = "";
    try {
      const answer = await walkApi.report(scene, {
        reason: form.elements.reason.value,
        comment: form.elements.comment.value,
        view,
      });
      form.reset();
      status.textContent = answer.message;
      details.dataset.sent = "true";
    } catch (error) {
      // the server's own message (too many reports, …) when it answered, else the page's
      status.textContent = error.status ? error.message : form.dataset.failed;
    } finally {
      button.disabled = false;
    }
  });
}
