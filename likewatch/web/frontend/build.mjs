// Bundles the site's scripts and styles (with uPlot from npm) into static/web/build/, and
// writes gzip and brotli copies beside each file: whitenoise serves those to browsers that
// accept them, which is what keeps a board's first load small on slow connections.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { build } from "esbuild";

const outdir = "likewatch/web/static/web/build";

await build({
  entryPoints: {
    site: "likewatch/web/frontend/site.css",
    board: "likewatch/web/frontend/board.js",
    history: "likewatch/web/frontend/history.js",
    pages: "likewatch/web/frontend/pages.js",
  },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2019"],
  outdir,
  loader: { ".css": "css" },
  logLevel: "warning",
});

for (const name of readdirSync(outdir)) {
  if (!/\.(js|css)$/.test(name)) continue;
  const path = join(outdir, name);
  const body = readFileSync(path);
  writeFileSync(`${path}.gz`, gzipSync(body, { level: 9 }));
  writeFileSync(
    `${path}.br`,
    brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
  );
}
console.log("front-end built into likewatch/web/static/web/build/");
