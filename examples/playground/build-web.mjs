// Builds the playground's page to static files in web/dist (served by `convoy dev --static web/dist`).
import { copyFile, mkdir } from "node:fs/promises";
import * as esbuild from "esbuild";

const dir = new URL("./web/", import.meta.url);
await mkdir(new URL("dist/", dir), { recursive: true });
const result = await esbuild.build({
  entryPoints: [new URL("main.tsx", dir).pathname],
  outfile: new URL("dist/main.js", dir).pathname,
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  jsx: "automatic",
  define: { "process.env.NODE_ENV": JSON.stringify(process.env.NODE_ENV ?? "production") },
  metafile: true,
  logLevel: "warning",
});
await copyFile(new URL("index.html", dir), new URL("dist/index.html", dir));
const bytes = Object.values(result.metafile.outputs).reduce((n, output) => n + output.bytes, 0);
console.log(`built web/dist (${(bytes / 1024).toFixed(1)} kB of JS)`);
