// What a dApp compiles when it inherits RefereeConsumer: its import closure declares pragmas
// that every solc from 0.8.24 on accepts, and compiles alone (not as part of this project)
// for EVMs before and after Cancun with no diagnostic. Also: the project's own compile prints
// no solc warning. Only solc 0.8.30 is installed, so the range's lower end is checked on the
// pragmas, the compile on 0.8.30 (docs/CONSUMER.md "Compiler").
// Run: npx hardhat test test/consumer-compile.test.ts
import { expect } from "chai";
import { existsSync, readFileSync, readdirSync } from "fs";
import { dirname, join, relative } from "path";

const ROOT = join(__dirname, "..");
/** The files a dApp imports; the closure is what solc pulls in from them. */
const ENTRY = [
  "contracts/RefereeConsumer.sol",
  "contracts/lib/LibBinary32.sol",
  "contracts/examples/Classifier.sol",
  "contracts/interfaces/ICoordinator.sol",
  "contracts/interfaces/IDisputeGame.sol",
  "contracts/interfaces/IModelRegistry.sol",
  "contracts/interfaces/IStaking.sol",
  "contracts/interfaces/IOneStepVerifier.sol",
  "contracts/interfaces/IOneStepProver.sol",
];

type Version = [number, number, number];

function parseVersion(v: string): Version {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  if (!m) throw new Error(`not a version: ${v}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function cmp(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Whether `v` satisfies a pragma's range: space-separated `^x.y.z`, `>=`, `>`, `<=`, `<` terms. */
function satisfies(v: Version, range: string): boolean {
  return range.split(/\s+/).every((term) => {
    const m = /^(\^|>=|<=|>|<|=)?(\d+\.\d+\.\d+)$/.exec(term);
    if (!m) throw new Error(`pragma term not understood: ${term}`);
    const [op, t] = [m[1] ?? "=", parseVersion(m[2])];
    const c = cmp(v, t);
    if (op === "^") return c >= 0 && (t[0] > 0 ? v[0] === t[0] : v[1] === t[1]);
    return op === ">=" ? c >= 0 : op === ">" ? c > 0 : op === "<=" ? c <= 0 : op === "<" ? c < 0 : c === 0;
  });
}

function sourceOf(path: string): string {
  for (const base of [ROOT, join(ROOT, "node_modules")]) {
    const file = join(base, path);
    if (existsSync(file)) return readFileSync(file, "utf8");
  }
  throw new Error(`import not found: ${path}`);
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string; sourceLocation?: { file: string } }[];
  sources?: Record<string, unknown>;
}

interface Solc {
  compile(input: string, callbacks: { import: (path: string) => { contents: string } | { error: string } }): string;
  version(): string;
}

function compileAlone(evmVersion: string): SolcOutput {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as Solc;
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(ENTRY.map((f) => [f, { content: sourceOf(f) }])),
    settings: {
      evmVersion,
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { "*": { "*": ["evm.bytecode.object"] } },
    },
  };
  const read = (path: string) => {
    try {
      return { contents: sourceOf(path) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  };
  return JSON.parse(solc.compile(JSON.stringify(input), { import: read })) as SolcOutput;
}

describe("consumer contracts as a dApp compiles them", function () {
  this.timeout(300_000);

  it("the import closure's pragmas accept every solc from 0.8.24 to 0.8.30, and not 0.8.23", () => {
    const out = compileAlone("cancun");
    const files = Object.keys(out.sources ?? {});
    expect(files.length, "the closure reaches OpenZeppelin and the shared types").to.be.greaterThan(ENTRY.length);
    const pragmas = files.map((f) => {
      const m = /pragma solidity ([^;]+);/.exec(sourceOf(f));
      if (!m) throw new Error(`${f} has no pragma`);
      return { f, range: m[1] };
    });
    for (let patch = 24; patch <= 30; patch++)
      for (const { f, range } of pragmas)
        expect(satisfies([0, 8, patch], range), `${f} (${range}) accepts 0.8.${patch}`).to.equal(true);
    // The floor is stated on purpose: the base itself refuses older compilers.
    expect(satisfies([0, 8, 23], pragmas.find((p) => p.f === "contracts/RefereeConsumer.sol")!.range)).to.equal(false);
    expect(satisfies([0, 9, 0], "^0.8.24")).to.equal(false);
  });

  for (const evmVersion of ["paris", "cancun"])
    it(`compiles alone for evmVersion ${evmVersion} with solc 0.8.30 and no diagnostic (no Cancun opcode needed)`, () => {
      const out = compileAlone(evmVersion);
      const diagnostics = (out.errors ?? []).map((e) => `${e.severity}: ${e.formattedMessage}`);
      expect(diagnostics).to.deep.equal([]);
    });

  it("the project's own compile has no solc warning (artifacts/build-info, as `hardhat test` compiled it)", () => {
    // Only the build each source was last compiled in counts: an incremental compile keeps
    // older build-info files (and their diagnostics of older sources) for untouched artifacts.
    const current = new Map<string, Set<string>>(); // build-info file -> sources last compiled in it
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".dbg.json")) {
          const info = (JSON.parse(readFileSync(p, "utf8")) as { buildInfo: string }).buildInfo.split("/").pop()!;
          const source = relative(join(ROOT, "artifacts"), dirname(p));
          current.set(info, (current.get(info) ?? new Set()).add(source));
        }
      }
    };
    walk(join(ROOT, "artifacts"));
    expect(current.size, "hardhat compiled the project").to.be.greaterThan(0);
    const dir = join(ROOT, "artifacts", "build-info");
    // A build none of the project's own sources was last compiled in is obsolete (hardhat
    // leaves artifacts of library files no longer imported).
    const live = [...current].filter(([, sources]) => [...sources].some((f) => f.startsWith("contracts/")));
    const messages = live.flatMap(([f, sources]) =>
      ((JSON.parse(readFileSync(join(dir, f), "utf8")) as { output: SolcOutput }).output.errors ?? [])
        .filter((e) => e.sourceLocation === undefined || sources.has(e.sourceLocation.file))
        .map((e) => `${e.severity}: ${e.formattedMessage}`),
    );
    expect(messages).to.deep.equal([]);
  });
});
