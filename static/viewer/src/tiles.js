// Turns a panorama revision's manifest (the tile contract, docs/architecture.md) into the
// panorama configuration of Photo Sphere Viewer's cubemap-tiles adapter. Our face letters
// (f b l r u d) become PSV's face names here and nowhere else.

/** Our face letter for each of PSV's cube faces. */
export const PSV_FACES = {
  front: "f",
  back: "b",
  left: "l",
  right: "r",
  top: "u",
  bottom: "d",
};

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
}

/**
 * The PSV panorama for a manifest whose objects live under `baseUrl` (the revision's prefix,
 * ending without a slash). Level index i of PSV is our z = i + 1; z = 0 is the preview.
 */
export function tiledPanorama(manifest, baseUrl) {
  const levels = [...manifest.levels].sort((a, b) => a.z - b.z);
  const url = (key) => `${baseUrl}/${key}`;
  const previews = {};
  for (const [psvFace, face] of Object.entries(PSV_FACES)) {
    previews[psvFace] = url(fill(manifest.keys.preview, { face }));
  }
  return {
    baseUrl: previews,
    levels: levels.map((level) => ({ faceSize: level.face_size, nbTiles: level.nb_tiles })),
    tileUrl: (psvFace, col, row, levelIndex) =>
      url(fill(manifest.keys.tile, {
        z: levels[levelIndex].z, face: PSV_FACES[psvFace], y: row, x: col,
      })),
  };
}
