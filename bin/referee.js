#!/usr/bin/env node
// The `referee` executable. It runs the compiled CLI in dist/ (`npm run build`; the installed
// package ships dist/ and no TypeScript sources), unless the TypeScript sources and ts-node are
// here (a checkout) and dist/ is missing or older than the newest source: then the sources run
// through ts-node (transpile-only with swc, for start-up; `npm run typecheck` checks types).
// So a checkout never runs stale output, and `REFEREE_TS_NODE=1` forces the sources.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.join(__dirname, "..");
const compiled = path.join(root, "dist", "node", "cli", "main.js");

/** Newest modification time (ms) of the .ts files under `dir`, or 0 when there is none. */
function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function hasTsNode() {
  try {
    require.resolve("ts-node");
    return true;
  } catch {
    return false;
  }
}

function useSources() {
  if (!fs.existsSync(path.join(root, "node", "cli", "main.ts")) || !hasTsNode()) return false;
  if (process.env.REFEREE_TS_NODE === "1" || !fs.existsSync(compiled)) return true;
  const built = fs.statSync(compiled).mtimeMs;
  return ["node", "typechain-types"].some((d) => newestSource(path.join(root, d)) > built);
}

let cli;
if (useSources()) {
  require("ts-node").register({ transpileOnly: true, swc: true, project: path.join(root, "tsconfig.json") });
  cli = require("../node/cli/main");
} else {
  cli = require(compiled);
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
