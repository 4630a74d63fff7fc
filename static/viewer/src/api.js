// The one module that knows the server's URLs. Everything else asks it.

const PREFIX = "/api";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") : "";
}

/** An error answered by the API, with the server's translated message. */
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.errors = (body && body.errors) || {};
  }
}

/**
 * Calls the JSON API with the page's session and CSRF token; resolves to the decoded body,
 * rejects with an ApiError carrying the server's message.
 */
export async function request(method, path, body) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (method !== "GET" && method !== "HEAD") {
    headers["X-CSRFToken"] = csrfToken();
  }
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(PREFIX + path, init);
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new ApiError(response.status, data);
  }
  return data;
}

const segment = (value) => encodeURIComponent(value);

export const urls = {
  openapi: () => `${PREFIX}/openapi.json`,
  /** The visitors' page of a scene within a tour (a deep link adds ?yaw=&pitch=&zoom=). */
  walkScene: (tour, scene) => `/tours/${segment(tour)}/${segment(scene)}`,
  /** The same scene on the embed page (for other sites' iframes). */
  embedScene: (tour, scene) => `/embed/tours/${segment(tour)}/${segment(scene)}`,
  health: () => "/healthz",
  /** Where the walk sends its visitor counts (POST, anonymous). */
  stats: () => `${PREFIX}/stats`,
  media: (key) => `/media/${key.split("/").map(encodeURIComponent).join("/")}`,
};

/** The public walk (``/api/walk``), read by the visitors' viewer. */
export const walkApi = {
  tour: (slug) => request("GET", `/walk/tours/${segment(slug)}`),
  /** Where the scenes of the tour's walk lie, for the plan (plan.js). */
  plan: (slug) => request("GET", `/walk/tours/${segment(slug)}/plan`),
  scene: (slug) => request("GET", `/walk/scenes/${segment(slug)}`),
  /** A visitor's report of the scene's image ({reason, comment, view}); no account needed. */
  report: (slug, body) => request("POST", `/walk/scenes/${segment(slug)}/reports`, body),
};

/**
 * Sends `form` (a FormData) as multipart with the page's CSRF token, reporting the share sent
 * so far to `onProgress(fraction)` (fetch cannot tell upload progress; XMLHttpRequest can).
 * Resolves to `{status, body}`; rejects with an ApiError (status 0 when the connection failed).
 */
function sendForm(method, path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, PREFIX + path);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve({ status: xhr.status, body });
      else reject(new ApiError(xhr.status, body));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, null)));
    xhr.addEventListener("abort", () => reject(new ApiError(0, null)));
    xhr.send(form);
  });
}

/** The editors' panoramas and their tiling jobs (``/api/panoramas``, ``/api/jobs``). */
export const panoramaApi = {
  /** Uploads one file (`fields` such as {create_scene: "true"} go along as form fields). */
  upload: (file, fields, onProgress) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields || {})) form.append(name, value);
    form.append("file", file, file.name);
    return sendForm("POST", "/panoramas", form, onProgress);
  },
  get: (id) => request("GET", `/panoramas/${segment(id)}`),
  retile: (id) => request("POST", `/panoramas/${segment(id)}/retile`),
  job: (id) => request("GET", `/jobs/${segment(id)}`),
};

/** A scene's hotspots for editors and shop owners (``/api/scenes/<id>/hotspots``,
 * ``/api/hotspots/<id>``); changes send the version they are based on (409 when stale). */
export const hotspotApi = {
  list: (sceneId) => request("GET", `/scenes/${segment(sceneId)}/hotspots`),
  create: (sceneId, fields) => request("POST", `/scenes/${segment(sceneId)}/hotspots`, fields),
  update: (id, changes) => request("PATCH", `/hotspots/${segment(id)}`, changes),
  remove: (id, version) =>
    request("DELETE", `/hotspots/${segment(id)}?version=${encodeURIComponent(version)}`),
  /** One page of the shops the account keeps (editors: every shop), by slug. */
  shops: (page, perPage = 200) =>
    request("GET", `/manage/shops?page=${encodeURIComponent(page)}&page_size=${perPage}`),
};

/** The editors' floor plans of venues (``/api/floor-plans``) and where scenes lie on them;
 * changes send the version they are based on (409 when stale). */
export const floorPlanApi = {
  get: (id) => request("GET", `/floor-plans/${segment(id)}`),
  update: (id, changes) => request("PATCH", `/floor-plans/${segment(id)}`, changes),
  remove: (id, version) =>
    request("DELETE", `/floor-plans/${segment(id)}?version=${encodeURIComponent(version)}`),
  /** Uploads the drawing (a File); resolves to `{status, body}` like `panoramaApi.upload`. */
  uploadDrawing: (id, file, version, onProgress) => {
    const form = new FormData();
    form.append("file", file, file.name);
    return sendForm("POST",
      `/floor-plans/${segment(id)}/image?version=${encodeURIComponent(version)}`, form,
      onProgress);
  },
  /** Places a scene at fractions (x, y) of a plan's drawing; `floorPlanId` null takes it off. */
  placeScene: (sceneId, floorPlanId, x, y, version) =>
    request("PUT", `/scenes/${segment(sceneId)}/floor-position`,
      { floor_plan_id: floorPlanId, x, y, version }),
  scene: (sceneId) => request("GET", `/scenes/${segment(sceneId)}`),
};
