// Bundles the board's script and styles (with uPlot from npm) into static/web/build/.
import { build } from "esbuild";

await build({
  entryPoints: {
    board: "likewatch/web/frontend/board.js",
  },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2019"],
  outdir: "likewatch/web/static/web/build",
  loader: { ".css": "css" },
  logLevel: "warning",
});
console.log("front-end built into likewatch/web/static/web/build/");
