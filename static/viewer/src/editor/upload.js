// Bulk upload of panoramas (/edit/upload, server/upload_pages.py). Each chosen or dropped file
// gets a row that walks through: waiting → uploading % → waiting for tiling → tiling % → ready
// (with a link to its scene), "already uploaded" (the same bytes were sent before: the row links
// to the scene showing them) or failed with the server's reason and a "Try again" button.
// A few files are sent at a time; tiling is followed by polling with a growing pause.
import { ApiError, panoramaApi } from "../api.js";
import { readStrings } from "../strings.js";
import "./upload.css";

const FIRST_POLL_MS = 400;
const MAX_POLL_MS = 5000;
const POLL_GROWTH = 1.5;
/** after this long without an outcome a row stops polling and offers "Check again" */
const MAX_FOLLOW_MS = 20 * 60 * 1000;
/** rows in these states need nothing more */
const FINISHED = new Set(["ready", "duplicate"]);

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

function parseJson(text, fallback) {
  try {
    return JSON.parse(text || "");
  } catch {
    return fallback;
  }
}

/** A title from a translations map: the page's language first, else any. */
function titleOf(title, language) {
  if (!title) return "";
  return title[language] || Object.values(title).find(Boolean) || "";
}

export function start(root) {
  const t = readStrings(root);
  const settings = parseJson(root.dataset.settings, {});
  const reasons = parseJson(root.dataset.errors, {});
  const concurrency = Math.max(1, Number(settings.concurrency) || 2);
  const language = document.documentElement.lang || "en";
  const percent = new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 0 });
  const input = root.querySelector("#upload-files");
  const drop = root.querySelector("#upload-drop");
  const list = root.querySelector("#upload-list");
  const summary = root.querySelector("#upload-summary");
  const rows = [];
  const queue = [];
  let sending = 0;
  let serial = 0;

  function updateSummary() {
    const done = rows.filter((row) => FINISHED.has(row.state)).length;
    const failed = rows.filter((row) => row.state === "failed").length;
    const text = rows.length ? t("summary", { done, total: rows.length, failed }) : "";
    // a live region: unchanged text is not written again (nor announced again)
    if (summary.textContent !== text) summary.textContent = text;
  }

  function setState(row, state, text, progress) {
    row.state = state;
    row.element.dataset.state = state;
    row.status.textContent = text;
    if (progress === null) row.progress.removeAttribute("value");
    else if (progress !== undefined) row.progress.value = Math.round(progress);
    if (state !== "failed" && state !== "slow") row.retry.hidden = true;
    updateSummary();
  }

  function fail(row, reason, retryKind) {
    setState(row, "failed", t("failed", { reason }), 0);
    showRetry(row, retryKind, t("retry"));
  }

  function showRetry(row, kind, label) {
    row.retryKind = kind;
    row.retry.textContent = label;
    row.retry.hidden = false;
  }

  function showScene(row, scene) {
    if (!scene) return;
    row.link.href = String(settings.scene_path || "/edit/scenes/{id}").replace(
      "{id}", encodeURIComponent(scene.id));
    row.link.textContent = t("scene", { title: titleOf(scene.title, language) || scene.slug });
    row.link.hidden = false;
    row.details.textContent = scene.latitude === null || scene.latitude === undefined
      ? t("unplaced") : t("placed");
    row.details.hidden = false;
  }

  function makeRow(file) {
    const element = document.createElement("li");
    element.className = "upload-row";
    const name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", t("progress", { name: file.name }));
    const status = document.createElement("span");
    status.className = "upload-status";
    status.tabIndex = -1;
    const link = document.createElement("a");
    link.className = "upload-scene";
    link.hidden = true;
    const details = document.createElement("span");
    details.className = "upload-details hint";
    details.hidden = true;
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "upload-retry";
    retry.hidden = true;
    // the button says "Try again"; which file it is about is its description
    name.id = `upload-name-${(serial += 1)}`;
    retry.setAttribute("aria-describedby", name.id);
    element.append(name, progress, status, link, details, retry);
    const row = { file, element, status, progress, link, details, retry, state: "waiting",
                  panoramaId: null, jobId: null, retryKind: null, follower: null };
    retry.addEventListener("click", () => {
      status.focus();
      again(row);
    });
    setState(row, "waiting", t("waiting"), 0);
    return row;
  }

  function add(files) {
    for (const file of files) {
      const row = makeRow(file);
      rows.push(row);
      list.append(row.element);
      queue.push(row);
    }
    updateSummary();
    pump();
  }

  function pump() {
    while (sending < concurrency && queue.length) {
      const row = queue.shift();
      sending += 1;
      send(row).finally(() => {
        sending -= 1;
        pump();
      });
    }
  }

  function uploadReason(error) {
    if (!(error instanceof ApiError) || error.status === 0) return t("network");
    const code = error.errors && error.errors.file && error.errors.file.code;
    if (error.message && error.message !== `HTTP ${error.status}`) return error.message;
    if (code && reasons[code]) return reasons[code];
    return t("server", { status: error.status });
  }

  async function send(row) {
    if (settings.max_bytes && row.file.size > settings.max_bytes) {
      fail(row, t("too_big"), "upload");
      return;
    }
    setState(row, "uploading", t("uploading", { percent: percent.format(0) }), 0);
    let answer;
    try {
      answer = await panoramaApi.upload(row.file, { create_scene: "true" }, (fraction) => {
        setState(row, "uploading", t("uploading", { percent: percent.format(fraction) }),
                 fraction * 100);
      });
    } catch (error) {
      fail(row, uploadReason(error), "upload");
      return;
    }
    const body = answer.body;
    row.panoramaId = body.panorama.id;
    row.jobId = body.job_id;
    showScene(row, body.scene);
    if (!body.created && body.job_id === null) {
      setState(row, "duplicate", t("duplicate"), 100);
      return;
    }
    setState(row, "queued", t("queued"), 0);
    follow(row);
  }

  function tilingReason(panorama) {
    return reasons[panorama.error_code] || t("tiling_failed");
  }

  /** Polls the panorama (and its job, for the percentage) until it is ready or failed. */
  async function follow(row) {
    const follower = {};
    row.follower = follower;
    const deadline = Date.now() + MAX_FOLLOW_MS;
    let pause = FIRST_POLL_MS;
    while (row.follower === follower) {
      await sleep(pause);
      pause = Math.min(pause * POLL_GROWTH, MAX_POLL_MS);
      if (Date.now() > deadline) {
        setState(row, "slow", t("slow"));
        showRetry(row, "check", t("check"));
        return;
      }
      let panorama;
      try {
        panorama = await panoramaApi.get(row.panoramaId);
      } catch (error) {
        if (error instanceof ApiError && error.status > 0 && error.status < 500) {
          fail(row, error.message, "check");
          return;
        }
        continue; // the connection or the server hiccupped: ask again after the pause
      }
      if (row.follower !== follower) return;
      if (panorama.status === "ready") {
        setState(row, "ready", t("ready"), 100);
        return;
      }
      if (panorama.status === "failed" || panorama.status === "taken_down") {
        fail(row, tilingReason(panorama), "retile");
        return;
      }
      if (row.jobId !== null && row.jobId !== undefined) {
        let job = null;
        try {
          job = await panoramaApi.job(row.jobId);
        } catch {
          job = null; // the panorama's status is what counts; the job only adds the percentage
        }
        if (job && job.status === "running") {
          setState(row, "tiling", t("tiling", { percent: percent.format(job.progress / 100) }),
                   job.progress);
          continue;
        }
        if (job && job.status === "failed") {
          fail(row, tilingReason(panorama), "retile");
          return;
        }
      }
      setState(row, "queued", t("queued"), 0);
    }
  }

  async function again(row) {
    const kind = row.retryKind;
    row.retry.hidden = true;
    if (kind === "upload") {
      setState(row, "waiting", t("waiting"), 0);
      queue.push(row);
      pump();
      return;
    }
    if (kind === "retile") {
      try {
        const answer = await panoramaApi.retile(row.panoramaId);
        row.jobId = answer.job_id;
      } catch (error) {
        // 409: it is queued or being tiled already, which is what was asked for
        if (!(error instanceof ApiError) || error.status !== 409) {
          fail(row, uploadReason(error), "retile");
          return;
        }
      }
    }
    setState(row, "queued", t("queued"), 0);
    follow(row);
  }

  input.addEventListener("change", () => {
    add(Array.from(input.files || []));
    input.value = ""; // choosing the same files again is a new batch
  });
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("is-over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("is-over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("is-over");
    add(Array.from((event.dataTransfer && event.dataTransfer.files) || []));
  });
}
