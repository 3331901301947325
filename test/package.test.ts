// The package as a dApp gets it: `npm pack` (whose prepack builds dist/ and abi/), the tarball
// installed into a fresh project without Hardhat, TypeScript or ts-node, and there: the
// libraries load in a plain node process, the installed `referee` bin runs the compiled CLI,
// TypeScript finds the types through `exports`, the ABI files parse, and a consumer contract
// compiles against the installed Solidity sources (solc-js with an import callback reading
// node_modules, as Hardhat resolves a package import).
// Run: npx hardhat test test/package.test.ts   (about a minute: mostly the build and the install)
import { expect } from "chai";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import ts from "typescript";
import { ORT_PACKAGE } from "../node/reference/ort";

const ROOT = path.join(__dirname, "..");
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  version: string;
  peerDependencies: Record<string, string>;
};

/** Modules a dApp requires from the package, each with names it must export. */
const MODULES: Record<string, readonly string[]> = {
  referee: ["RefereeClient", "encodeRequestInputs", "decodeOutputs", "RequestWaitError"],
  "referee/node": [
    "compileModel",
    "execute",
    "TraceCommitter",
    "f32Bytes",
    "modelPartsOf",
    "deployReferee",
    "ModelRun",
  ],
};

/** Solidity files a consumer contract imports from the installed package. */
const SOL_IMPORTS: readonly string[] = [
  "referee/contracts/interfaces/IInferenceConsumer.sol",
  "referee/contracts/interfaces/ICoordinator.sol",
  "referee/contracts/RefereeConsumer.sol",
  "referee/contracts/lib/LibBinary32.sol",
];

const CONSUMER = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

${SOL_IMPORTS.map((p) => `import "${p}";`).join("\n")}

contract Consumer is IInferenceConsumer {
    ICoordinator public immutable coordinator;
    bytes public lastOutput;

    constructor(ICoordinator _coordinator) {
        coordinator = _coordinator;
    }

    function fee(bytes32 _modelId) external view returns (uint256) {
        return coordinator.quoteFee(_modelId, 100_000);
    }

    function onInferenceResult(uint256, bytes32, address, bytes32, bytes calldata _output) external {
        require(msg.sender == address(coordinator), "not the coordinator");
        lastOutput = _output;
    }
}
`;

/** The environment without the npm_* variables of the `npm test` running this file. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

function run(cmd: string, args: readonly string[], cwd: string, timeout = 300_000): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env: cleanEnv(), encoding: "utf8", timeout });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  expect(r.status, `${what} failed:\n${r.stdout}\n${r.stderr}`).to.equal(0);
  return r.stdout;
}

interface Probe {
  exports: Record<string, Record<string, string>>;
  abis: Record<string, { entries: number; functions: string[] }>;
  ethers: string;
}

/** Run in the consumer project by plain node: what a dApp sees when it requires the package. */
const PROBE = `
const fs = require("fs");
const path = require("path");
const { Interface } = require("ethers");
const modules = JSON.parse(process.argv[1]);
const out = { exports: {}, abis: {}, ethers: require.resolve("ethers") };
for (const [spec, names] of Object.entries(modules)) {
  const m = require(spec);
  out.exports[spec] = Object.fromEntries(names.map((n) => [n, typeof m[n]]));
}
const dir = path.join(path.dirname(require.resolve("referee/package.json")), "abi");
for (const f of fs.readdirSync(dir)) {
  const abi = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
  const i = new Interface(abi);
  const functions = [];
  i.forEachFunction((fn) => functions.push(fn.name));
  out.abis[f] = { entries: abi.length, functions };
}
console.log(JSON.stringify(out));
`;

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<
    string,
    Record<string, { abi: { type: string; name?: string }[]; evm: { bytecode: { object: string } } }>
  >;
}

describe("package: the packed tarball installed into a fresh project", function () {
  this.timeout(900_000);
  let tmp: string;
  let app: string;
  let installed: string;

  before(function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "referee-package-"));
    ok(run("npm", ["pack", "--pack-destination", tmp], ROOT, 600_000), "npm pack");
    const tarball = fs.readdirSync(tmp).find((f) => f.endsWith(".tgz"));
    expect(tarball, "npm pack wrote no tarball").to.be.a("string");
    app = path.join(tmp, "app");
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "dapp", version: "1.0.0", private: true }));
    ok(
      run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", path.join(tmp, tarball!)], app),
      "npm install of the tarball",
    );
    installed = path.join(app, "node_modules", "referee");
  });

  after(function () {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("installs compiled code, contracts without test/, ABIs; none of the optional or dev packages", () => {
    expect(fs.existsSync(path.join(installed, "dist", "node", "index.js"))).to.equal(true);
    expect(fs.existsSync(path.join(installed, "node")), "TypeScript sources shipped").to.equal(false);
    expect(fs.existsSync(path.join(installed, "contracts", "Coordinator.sol"))).to.equal(true);
    expect(fs.existsSync(path.join(installed, "contracts", "test")), "test contracts shipped").to.equal(false);
    expect(fs.readdirSync(path.join(installed, "abi"))).to.include.members([
      "Coordinator.json",
      "RefereeConsumer.json",
    ]);
    expect(fs.existsSync(path.join(installed, "dist", "node", "cli", "explorer", "public", "index.html"))).to.equal(
      true,
    );
    for (const dev of ["onnxruntime-node", "solc", "hardhat", "ts-node", "typescript"])
      expect(fs.existsSync(path.join(app, "node_modules", dev)), `${dev} installed`).to.equal(false);
  });

  it("requires the libraries, with ethers from the package's own dependencies, and parses every ABI", () => {
    const probe = JSON.parse(ok(run(process.execPath, ["-e", PROBE, JSON.stringify(MODULES)], app), "probe")) as Probe;
    for (const [spec, names] of Object.entries(MODULES))
      for (const n of names) expect(probe.exports[spec][n], `${spec} exports ${n}`).to.be.oneOf(["function", "object"]);
    expect(probe.ethers.startsWith(path.join(app, "node_modules", "ethers"))).to.equal(true);
    const artifact = (file: string) =>
      (JSON.parse(fs.readFileSync(path.join(ROOT, "artifacts", "contracts", file), "utf8")) as { abi: unknown[] }).abi;
    expect(probe.abis["Coordinator.json"].entries).to.equal(artifact("Coordinator.sol/Coordinator.json").length);
    expect(probe.abis["Coordinator.json"].functions).to.include.members(["request", "quoteFee", "claim"]);
    expect(probe.abis["IInferenceConsumer.json"].functions).to.deep.equal(["onInferenceResult"]);
  });

  it("runs the installed bin without ts-node: --help, and the same final state as the sources", () => {
    expect(() => require.resolve("ts-node", { paths: [app] })).to.throw();
    const help = ok(run("npx", ["--no-install", "referee", "--help"], app), "npx referee --help");
    expect(help).to.match(/^usage: referee <command>/);
    expect(ok(run("npx", ["--no-install", "referee", "--version"], app), "--version").trim()).to.equal(
      `referee ${PKG.version}`,
    );
    const model = path.join(ROOT, "test", "fixtures", "gru_classifier.onnx");
    const args = ["run", model, "--random-seed", "1", "--json"];
    const bin = path.join(app, "node_modules", ".bin", "referee");
    const ours = JSON.parse(ok(run(bin, args, app), "installed referee run")) as { finalStateHash: string };
    const src = spawnSync(process.execPath, [path.join(ROOT, "bin", "referee.js"), ...args], {
      cwd: ROOT,
      env: { ...cleanEnv(), REFEREE_TS_NODE: "1" },
      encoding: "utf8",
    });
    const sources = JSON.parse(ok(src, "referee run from the sources")) as { finalStateHash: string };
    expect(ours.finalStateHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(ours.finalStateHash).to.equal(sources.finalStateHash);
  });

  it("fails compare without the optional onnxruntime-node, in one line naming the package", () => {
    expect(ORT_PACKAGE).to.equal(`onnxruntime-node@${PKG.peerDependencies["onnxruntime-node"]}`);
    const model = path.join(ROOT, "test", "fixtures", "gru_classifier.onnx");
    const r = run(path.join(app, "node_modules", ".bin", "referee"), ["compare", model, "--random-seed", "1"], app);
    expect(r.status, r.stderr).to.equal(2);
    expect(r.stderr.trimEnd().split("\n")).to.deep.equal([
      `referee: error: onnxruntime-node is not installed (optional: referee compare, bench and generate --compare need it): npm install ${ORT_PACKAGE}`,
    ]);
  });

  it("type-checks a TypeScript consumer against the installed types (module node16, exports)", () => {
    const file = path.join(app, "consumer.ts");
    fs.writeFileSync(
      file,
      [
        'import { compileModel, execute, f32Bytes, RefereeError } from "referee/node";',
        'import type { CompiledModel, DeploymentRecord } from "referee/node";',
        "export const compile: (bytes: Uint8Array) => CompiledModel = (b) => compileModel(b);",
        "export const parts = { execute, f32Bytes, RefereeError };",
        "export type Record = DeploymentRecord;",
        "",
      ].join("\n"),
    );
    const program = ts.createProgram([file], {
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      // onnx-proto's own typings name an undeclared global (Long): libraries are not checked.
      skipLibCheck: true,
      types: [],
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(errors).to.deep.equal([]);
  });

  it("compiles a consumer contract importing the installed Solidity sources", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- solc-js has no types
    const solc = require("solc") as { compile(input: string, callbacks: object): string };
    const input = {
      language: "Solidity",
      sources: { "Consumer.sol": { content: CONSUMER } },
      settings: { outputSelection: { "Consumer.sol": { Consumer: ["abi", "evm.bytecode.object"] } } },
    };
    const read: string[] = [];
    const findImports = (p: string): { contents: string } | { error: string } => {
      const file = path.join(app, "node_modules", p);
      if (!fs.existsSync(file)) return { error: `not found: ${file}` };
      read.push(p);
      return { contents: fs.readFileSync(file, "utf8") };
    };
    const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports })) as SolcOutput;
    const errors = (out.errors ?? []).filter((e) => e.severity === "error").map((e) => e.formattedMessage);
    expect(errors).to.deep.equal([]);
    expect(read).to.include.members([...SOL_IMPORTS]);
    const consumer = out.contracts["Consumer.sol"].Consumer;
    expect(consumer.evm.bytecode.object).to.match(/^[0-9a-f]{200,}$/);
    expect(consumer.abi.map((e) => e.name)).to.include.members(["onInferenceResult", "fee", "coordinator"]);
  });
});
