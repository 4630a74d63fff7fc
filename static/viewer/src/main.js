// Entry point of the viewer bundle: re-exports the modules pages use.
export { ApiError, request, urls } from "./api.js";
export { mountPanorama } from "./viewer.js";
