// Privacy in a panorama (/edit/panoramas/<id>/privacy, server/templates/editor/privacy.html):
// the flat SD picture with an SVG overlay of the regions to blur (solid) and the detector's
// suggestions (dashed). An editor draws a region by dragging, or types its position in the
// form (the keyboard way); accepts or dismisses suggestions; selects and removes regions; and
// "Apply blur" saves them with the version the page is based on (409 → the saved state is
// shown again) and follows the tiling job until the blurred revision is online.
//
// Regions are fractions of the whole equirectangular image ({x, y, width, height, kind});
// x + width may pass 1 (across the 360° seam), drawn as two rectangles.
import "./privacy.css";
import { ApiError, request } from "../api.js";
import { readStrings } from "../strings.js";

const SVG = "http://www.w3.org/2000/svg";
/** The overlay's coordinate system (viewBox); the picture is twice as wide as high. */
const VIEW_W = 1000;
const VIEW_H = 500;
/** A drag shorter than this (fraction of the picture) is a click, not a region. */
const MIN_SIZE = 0.002;
const POLL_MS = 600;
/** Give up following the job after this long (the page says to reload later). */
const POLL_LIMIT_MS = 10 * 60 * 1000;
const KINDS = ["face", "plate", "other"];

const clamp = (value, low, high) => Math.min(high, Math.max(low, value));
const round6 = (value) => Math.round(value * 1e6) / 1e6;
const delay = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** The region's rectangles in overlay units, split at the seam. */
function pieces(region) {
  const parts = [[region.x, Math.min(region.width, 1 - region.x)]];
  if (region.x + region.width > 1) parts.push([0, region.x + region.width - 1]);
  return parts.map(([x, width]) => ({
    x: x * VIEW_W, y: region.y * VIEW_H, width: width * VIEW_W, height: region.height * VIEW_H,
  }));
}

/** Intersection over the smaller area, across the seam. */
function overlap(a, b) {
  let best = 0;
  for (const shift of [-1, 0, 1]) {
    const width = Math.min(a.x + a.width, b.x + shift + b.width) - Math.max(a.x, b.x + shift);
    const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
    if (width > 0 && height > 0) {
      best = Math.max(best, (width * height) / Math.min(a.width * a.height, b.width * b.height));
    }
  }
  return best;
}

const plain = ({ x, y, width, height, kind }) => ({ x, y, width, height, kind });

export async function start(root) {
  const read = readStrings(root);
  const data = JSON.parse(root.dataset.privacy);
  if (!data.picture) return;
  const percent = new Intl.NumberFormat(document.documentElement.lang || undefined,
    { style: "percent", maximumFractionDigits: 1 });
  const statusLine = root.querySelector("#privacy-status");
  const overlay = root.querySelector("#privacy-overlay");
  const picture = root.querySelector("#privacy-picture");
  const regionList = root.querySelector("#privacy-regions");
  const suggestionList = root.querySelector("#privacy-suggestions");
  const acceptAll = root.querySelector("#privacy-accept-all");
  const detectButton = root.querySelector("#privacy-detect");
  const applyButton = root.querySelector("#privacy-apply");
  const progress = root.querySelector("#privacy-progress");
  const result = root.querySelector("#privacy-result");
  const form = root.querySelector("#privacy-add");

  let regions = data.regions.map(plain);
  let suggestions = [];
  let version = data.version;
  let selected = -1;
  let drawing = null;

  const say = (message, kind = "ok") => {
    statusLine.textContent = message;
    statusLine.dataset.kind = kind;
  };
  const kindName = (kind) => read(`kind_${KINDS.includes(kind) ? kind : "other"}`);
  const describe = (region) => read("region_item", {
    kind: kindName(region.kind), x: percent.format(region.x), y: percent.format(region.y),
    width: percent.format(region.width), height: percent.format(region.height),
  });
  const button = (label, action, extra = {}) => {
    const element = document.createElement("button");
    element.type = "button";
    element.textContent = label;
    for (const [name, value] of Object.entries(extra)) element.setAttribute(name, value);
    element.addEventListener("click", action);
    return element;
  };
  const markDirty = () => {
    root.dataset.dirty = "true";
    say(read("unsaved"));
  };

  function rectangles(region, className, attributes) {
    return pieces(region).map((part) => {
      const rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("class", className);
      for (const [name, value] of Object.entries({ ...part, ...attributes })) {
        rect.setAttribute(name, String(value));
      }
      return rect;
    });
  }

  function render() {
    const shapes = [];
    regions.forEach((region, index) => {
      const name = `privacy-region privacy-${region.kind}${index === selected ? " selected" : ""}`;
      shapes.push(...rectangles(region, name, { "data-region": index }));
    });
    suggestions.forEach((suggestion, index) => {
      shapes.push(...rectangles(suggestion, "privacy-suggestion", { "data-suggestion": index }));
    });
    if (drawing) shapes.push(...rectangles(drawing.region, "privacy-drawing", {}));
    overlay.replaceChildren(...shapes);

    regionList.replaceChildren(...(regions.length ? regions.map((region, index) => {
      const item = document.createElement("li");
      item.dataset.region = String(index);
      if (index === selected) item.classList.add("selected");
      const label = document.createElement("span");
      label.textContent = describe(region);
      item.append(label, " ",
        button(read("select"), () => select(index),
          { "aria-pressed": String(index === selected), "aria-label": `${read("select")}: ${describe(region)}` }),
        " ",
        button(read("remove"), () => remove(index), { "aria-label": `${read("remove")}: ${describe(region)}` }));
      return item;
    }) : [Object.assign(document.createElement("li"), { textContent: read("no_regions") })]));

    suggestionList.replaceChildren(...suggestions.map((suggestion, index) => {
      const item = document.createElement("li");
      item.dataset.suggestion = String(index);
      const text = read("suggestion_item", {
        kind: kindName(suggestion.kind), x: percent.format(suggestion.x),
        y: percent.format(suggestion.y),
      });
      const label = document.createElement("span");
      label.textContent = text;
      item.append(label, " ",
        button(read("accept"), () => accept(index), { "aria-label": `${read("accept")}: ${text}` }),
        " ",
        button(read("dismiss"), () => dismiss(index), { "aria-label": `${read("dismiss")}: ${text}` }));
      return item;
    }));
    acceptAll.disabled = suggestions.length === 0;
  }

  function select(index) {
    selected = selected === index ? -1 : index;
    if (selected >= 0) say(read("selected", { region: describe(regions[selected]) }));
    render();
  }

  function remove(index) {
    regions.splice(index, 1);
    selected = -1;
    markDirty();
    render();
  }

  function accept(index) {
    const [suggestion] = suggestions.splice(index, 1);
    regions.push(plain(suggestion));
    markDirty();
    render();
  }

  function dismiss(index) {
    suggestions.splice(index, 1);
    render();
  }

  function addRegion(region) {
    regions.push(region);
    selected = regions.length - 1;
    markDirty();
    render();
  }

  // --- drawing with the pointer -------------------------------------------------------------
  const fractionAt = (event) => {
    const box = overlay.getBoundingClientRect();
    return {
      x: clamp((event.clientX - box.left) / box.width, 0, 1),
      y: clamp((event.clientY - box.top) / box.height, 0, 1),
    };
  };
  const spanning = (from, to) => ({
    x: round6(Math.min(from.x, to.x)), y: round6(Math.min(from.y, to.y)),
    width: round6(Math.abs(to.x - from.x)), height: round6(Math.abs(to.y - from.y)),
    kind: form.elements.kind.value,
  });

  overlay.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    const hit = event.target.getAttribute && event.target.getAttribute("data-region");
    if (hit !== null && hit !== undefined && hit !== "") {
      select(Number(hit));
      return;
    }
    event.preventDefault();
    const from = fractionAt(event);
    drawing = { from, region: spanning(from, from) };
    overlay.setPointerCapture(event.pointerId);
  });
  overlay.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    drawing.region = spanning(drawing.from, fractionAt(event));
    render();
  });
  const finish = (event) => {
    if (!drawing) return;
    const region = spanning(drawing.from, fractionAt(event));
    drawing = null;
    if (region.width >= MIN_SIZE && region.height >= MIN_SIZE) addRegion(region);
    else render();
  };
  overlay.addEventListener("pointerup", finish);
  // the selected region goes with Delete (or Backspace) unless a field is being typed in
  document.addEventListener("keydown", (event) => {
    if (selected < 0 || !["Delete", "Backspace"].includes(event.key)) return;
    if (event.target.closest && event.target.closest("input, select, textarea")) return;
    event.preventDefault();
    remove(selected);
  });
  overlay.addEventListener("pointercancel", () => { drawing = null; render(); });

  // --- the keyboard way: a form in percent ---------------------------------------------------
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = (name) => Number.parseFloat(form.elements[name].value) / 100;
    const region = { x: value("x"), y: value("y"), width: value("width"),
      height: value("height"), kind: form.elements.kind.value };
    const valid = [region.x, region.y, region.width, region.height].every(Number.isFinite)
      && region.x >= 0 && region.x < 1 && region.y >= 0 && region.y < 1
      && region.width > 0 && region.width <= 1 && region.height > 0
      && region.y + region.height <= 1;
    for (const name of ["x", "y", "width", "height"]) {
      form.elements[name].setAttribute("aria-invalid", String(!valid));
    }
    if (!valid) {
      say(read("failed", { message: read("invalid_region") }), "error");
      return;
    }
    addRegion({ ...region, x: round6(region.x), y: round6(region.y),
      width: round6(region.width), height: round6(region.height) });
    form.reset();
  });

  // --- suggestions -----------------------------------------------------------------------
  async function detect() {
    root.dataset.suggestions = "loading";
    detectButton.disabled = true;
    say(read("detecting"));
    try {
      const body = await request("GET", `/panoramas/${encodeURIComponent(data.panorama)}/blur-suggestions`);
      suggestions = body.suggestions.filter(
        (suggestion) => !regions.some((region) => overlap(region, suggestion) > 0.5));
      say(suggestions.length ? read("suggestions_found", { n: suggestions.length })
        : read("no_suggestions"));
      root.dataset.suggestions = "loaded";
    } catch (error) {
      say(read("detect_failed", { message: error.message }), "error");
      root.dataset.suggestions = "failed";
    } finally {
      detectButton.disabled = false;
      render();
    }
  }
  acceptAll.addEventListener("click", () => {
    regions.push(...suggestions.map(plain));
    suggestions = [];
    markDirty();
    render();
  });
  detectButton.addEventListener("click", detect);

  // --- applying -----------------------------------------------------------------------------
  async function reloadSaved() {
    const saved = await request("GET", `/panoramas/${encodeURIComponent(data.panorama)}/blur-regions`);
    regions = saved.regions.map(plain);
    version = saved.version;
    selected = -1;
    return saved;
  }

  async function follow(jobId) {
    progress.hidden = false;
    const started = Date.now();
    while (Date.now() - started < POLL_LIMIT_MS) {
      const job = await request("GET", `/jobs/${jobId}`);
      progress.value = job.progress;
      if (job.status === "succeeded") return true;
      if (job.status === "failed") {
        say(read("job_failed", { message: job.error }), "error");
        return false;
      }
      say(read("tiling", { progress: percent.format(job.progress / 100) }));
      await delay(POLL_MS);
    }
    say(read("too_slow"), "error");
    return false;
  }

  applyButton.addEventListener("click", async () => {
    applyButton.disabled = true;
    root.dataset.applied = "working";
    result.hidden = true;
    say(read("applying"));
    try {
      const saved = await request("PUT", `/panoramas/${encodeURIComponent(data.panorama)}/blur-regions`,
        { regions: regions.map(plain), version });
      version = saved.version;
      delete root.dataset.dirty;
      if (!(await follow(saved.job_id))) {
        root.dataset.applied = "failed";
        return;
      }
      const now = await reloadSaved();
      if (now.picture) {
        picture.src = now.picture.url;
        result.href = now.picture.url;
        result.hidden = false;
      }
      progress.value = 100;
      say(read("done"));
      root.dataset.applied = "true";
      root.dataset.revision = now.revision || "";
    } catch (error) {
      root.dataset.applied = "failed";
      if (error instanceof ApiError && error.status === 409) {
        await reloadSaved().catch(() => {});
        say(read("conflict"), "error");
      } else {
        say(read("failed", { message: error.message }), "error");
      }
    } finally {
      applyButton.disabled = false;
      render();
    }
  });

  render();
  // suggestions come in the background: the page is usable while the detector works
  detect();
}
