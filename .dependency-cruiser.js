// Import-graph gate (`npm run check:deps`, run in CI): node/ is a pipeline of stages and an
// import may only point down it. The order is the data's path through the node:
// program (the ISA) → fo32 → onnx → io → compiler → vm → commit → reference → chain →
// client (the dApp SDK) → agents → cli, with node/errors.ts below everything. scripts/ and test/ sit on top.
const LAYERS = [
  "program",
  "fo32",
  "onnx",
  "io",
  "compiler",
  "vm",
  "commit",
  "reference",
  "chain",
  "client",
  "agents",
  "cli",
];

/** A rule forbidding layer `i` to import any layer above it. */
function upward(i) {
  const above = LAYERS.slice(i + 1);
  return {
    name: `no-upward-from-${LAYERS[i]}`,
    comment: `node/${LAYERS[i]} sits below ${above.join(", ")}: it may not import them`,
    severity: "error",
    from: { path: `^node/${LAYERS[i]}/` },
    to: { path: `^node/(${above.join("|")})/` },
  };
}

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "an import cycle: modules that need each other belong in one module, or the shared part below both",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "errors-at-the-bottom",
      comment: "node/errors.ts is imported by every stage and imports none",
      severity: "error",
      from: { path: "^node/errors\\.ts$" },
      to: { path: "^node/" },
    },
    {
      name: "node-never-imports-scripts-or-tests",
      comment: "the node is a library: scripts and tests use it, never the reverse",
      severity: "error",
      from: { path: "^node/" },
      to: { path: "^(scripts|test)/" },
    },
    ...LAYERS.slice(0, -1).map((_, i) => upward(i)),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(typechain-types|artifacts|cache)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
