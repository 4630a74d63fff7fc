// Bundles and minifies the viewer's (and the editors' tools') ES modules and their npm dependencies into dist/.
// Run by `make` during setup; dist/ is never committed.
import { build } from "esbuild";

await build({
  entryPoints: { flaneur: "src/main.js", editor: "src/editor/main.js" },
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "esm",
  target: ["es2020"],
  outdir: "dist",
  legalComments: "linked",
  logLevel: "warning",
});
console.log("viewer bundle built in dist/");
