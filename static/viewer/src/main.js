// Entry point of the viewer bundle: re-exports the modules pages use.
export { ApiError, request, urls } from "./api.js";
export { PSV_FACES, tiledPanorama } from "./tiles.js";
export { mountPanorama, mountTiledPanorama } from "./viewer.js";
