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
