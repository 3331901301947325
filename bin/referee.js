#!/usr/bin/env node
// The `referee` executable: runs the TypeScript CLI through ts-node (types are checked by
// `npm run build`, so transpile-only with swc keeps start-up fast).
"use strict";
const path = require("path");
require("ts-node").register({
  transpileOnly: true,
  swc: true,
  project: path.join(__dirname, "..", "tsconfig.json"),
});
require("../node/cli/main")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
