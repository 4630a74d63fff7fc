// Geometry shared by the visitors' plan (plan.js) and the editors' tools: a local metric
// projection of WGS84 positions onto a drawing (north up, one scale on both axes) and back,
// scale-bar lengths, and the turn between a panorama's yaw and a compass bearing (north lies
// at the scene's north offset; yaw and bearing both grow clockwise). Pure functions, no DOM.
import { yawDegrees } from "./state.js";

/** Mean Earth radius (metres): the equirectangular approximation is plenty at city scale. */
export const EARTH_RADIUS = 6371008.8;
const RADIANS = Math.PI / 180;
const round = (value, digits = 1) => Number(value.toFixed(digits));

/**
 * Places positions ({latitude, longitude}) on a `width` × `height` drawing: an equirectangular
 * projection to metres around the middle of their box (or around `centre` when there are
 * none), fitted with `padding` and equal scale on both axes, at most `maxScale` units a metre
 * (so two scenes a few metres apart are not drawn a drawing apart). Returns
 * `{ toScreen(position) → [x, y], toLocation(x, y) → position, scale, latitude }`.
 */
export function fitProjection(locations, { width, height, padding, maxScale, centre = null }) {
  const all = locations.length ? locations : [centre];
  const latitudes = all.map((where) => where.latitude);
  const longitudes = all.map((where) => where.longitude);
  const south = Math.min(...latitudes);
  const north = Math.max(...latitudes);
  const west = Math.min(...longitudes);
  const east = Math.max(...longitudes);
  const latitude = (south + north) / 2;
  const longitude = (west + east) / 2;
  const metresPerDegreeY = EARTH_RADIUS * RADIANS;
  const metresPerDegreeX = metresPerDegreeY * Math.cos(latitude * RADIANS);
  const spanX = (east - west) * metresPerDegreeX;
  const spanY = (north - south) * metresPerDegreeY;
  const scale = Math.min(
    spanX > 0 ? (width - 2 * padding) / spanX : Infinity,
    spanY > 0 ? (height - 2 * padding) / spanY : Infinity,
    maxScale,
  );
  return {
    scale,
    latitude,
    toScreen: (where) => [
      width / 2 + (where.longitude - longitude) * metresPerDegreeX * scale,
      height / 2 - (where.latitude - latitude) * metresPerDegreeY * scale,
    ],
    toLocation: (x, y) => ({
      longitude: longitude + (x - width / 2) / scale / metresPerDegreeX,
      latitude: latitude - (y - height / 2) / scale / metresPerDegreeY,
    }),
  };
}

/** The longest 1, 2 or 5 × 10ⁿ metres not above `most`. */
export function roundLength(most) {
  const power = 10 ** Math.floor(Math.log10(most));
  return [5, 2, 1].map((step) => step * power).find((length) => length <= most) || power;
}

/** A compass heading (degrees clockwise from north, 0 ≤ h < 360) from PSV's yaw (radians). */
export function compassHeading(yawRadians, northOffset) {
  const heading = (((yawDegrees(yawRadians) - northOffset) % 360) + 360) % 360;
  return heading >= 359.95 ? 0 : round(heading);
}

/** Where a link's arrow lies in its scene's panorama: yaw = north offset + bearing, as our
 * degrees (−180 ≤ yaw < 180), the rule of tours.walk.link_yaw. */
export function linkYaw(bearing, northOffset) {
  const yaw = (((northOffset + bearing) % 360) + 360) % 360;
  return yaw >= 180 ? yaw - 360 : yaw;
}

/** The bearing (0 ≤ b < 360) of a direction seen at `yaw` degrees in a scene whose north lies
 * at `northOffset`: the inverse of linkYaw. */
export function bearingOfYaw(yaw, northOffset) {
  const bearing = (((yaw - northOffset) % 360) + 360) % 360;
  return bearing >= 360 ? 0 : bearing;
}
