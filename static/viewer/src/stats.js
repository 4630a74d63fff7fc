// Visitor counts: what a visitor does in the walk (scenes and tours viewed, hotspots and shop
// cards opened, a shop's website or online shop followed) is gathered here and sent to the
// server in small batches, a couple of seconds after the first event and when the page is
// hidden or left. The server keeps only daily totals: no cookie, no address, nothing that
// tells visitors apart (server/stats_api.py). Counting never throws and never waits: a lost
// batch is a lost count, never a broken walk.
import { urls } from "./api.js";

/** How long events gather before they are sent (ms). */
const DELAY_MS = 2000;
/** The most events the server takes in one request. */
const MAX_EVENTS = 50;
/** Events kept at most while they cannot be sent (older ones are dropped). */
const MAX_WAITING = 500;

let waiting = [];
let timer = null;
let listening = false;

function post(body) {
  try {
    // a string goes as text/plain: no preflight, and the browser sends it even as the page closes
    if (navigator.sendBeacon && navigator.sendBeacon(urls.stats(), body)) return;
  } catch {
    // fall through to fetch
  }
  try {
    fetch(urls.stats(), {
      method: "POST",
      body,
      keepalive: true,
      credentials: "omit",
      headers: { "Content-Type": "text/plain" },
    }).catch(() => {});
  } catch {
    // nothing more to try: the counts are lost, the walk goes on
  }
}

/** Sends everything waiting now, in batches the server accepts. */
export function sendCounts() {
  if (timer !== null) {
    clearTimeout(timer);
    timer = null;
  }
  while (waiting.length) {
    post(JSON.stringify({ events: waiting.splice(0, MAX_EVENTS) }));
  }
}

function listen() {
  if (listening) return;
  listening = true;
  // the last chance to send: the tab is hidden (and may be discarded) or the page is left
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") sendCounts();
  });
  window.addEventListener("pagehide", sendCounts);
}

/**
 * Counts one `event` (tour_view, scene_view, hotspot_open, card_open, website_click,
 * online_shop_click) about the tour, scene, hotspot or shop `subjectId`.
 */
export function countEvent(event, subjectId) {
  try {
    const subject = Number(subjectId);
    if (typeof event !== "string" || !Number.isSafeInteger(subject) || subject <= 0) return;
    waiting.push({ event, subject });
    if (waiting.length > MAX_WAITING) waiting = waiting.slice(-MAX_WAITING);
    listen();
    if (waiting.length >= MAX_EVENTS) sendCounts();
    else if (timer === null) timer = setTimeout(sendCounts, DELAY_MS);
  } catch {
    // counting never gets in the visitor's way
  }
}
