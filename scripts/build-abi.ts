// `npm run build:abi` (part of `npm run build`): writes abi/<Contract>.json, the bare ABI
// array of every contract and interface a dApp may call or deploy (contracts/ minus test/
// and the internal lib/), from the Hardhat artifacts. Generated, not committed: the package
// ships them as `referee/abi/<Contract>.json`, so `new Contract(address, abi, runner)` needs
// no Hardhat in the dApp.
//
// Usage: ts-node --transpile-only scripts/build-abi.ts [--artifacts <dir>] [--out <dir>]
import * as fs from "fs";
import * as path from "path";

const REPO = path.join(__dirname, "..");
/** Sources whose ABIs are public: the protocol, its interfaces and the examples. */
const PUBLIC_SOURCE = /^contracts\/(?!test\/|lib\/)[^]*\.sol$/;

interface Artifact {
  contractName: string;
  sourceName: string;
  abi: unknown[];
}

function artifactFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...artifactFiles(p));
    else if (e.name.endsWith(".json") && !e.name.endsWith(".dbg.json")) out.push(p);
  }
  return out;
}

/** The public ABIs by contract name, in name order; a name defined twice is an error. */
export function publicAbis(artifactsDir: string): Map<string, unknown[]> {
  const contracts = path.join(artifactsDir, "contracts");
  if (!fs.existsSync(contracts)) throw new Error(`no ${contracts}: run npx hardhat compile first`);
  const found = new Map<string, Artifact>();
  for (const file of artifactFiles(contracts)) {
    const a = JSON.parse(fs.readFileSync(file, "utf8")) as Artifact;
    if (!PUBLIC_SOURCE.test(a.sourceName) || a.abi.length === 0) continue;
    const prev = found.get(a.contractName);
    if (prev) throw new Error(`${a.contractName} is defined in ${prev.sourceName} and ${a.sourceName}`);
    found.set(a.contractName, a);
  }
  return new Map([...found.keys()].sort().map((name) => [name, found.get(name)!.abi]));
}

function main(argv: string[]): void {
  const opt = (name: string, fallback: string): string => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? path.resolve(argv[i + 1]) : fallback;
  };
  const artifacts = opt("--artifacts", path.join(REPO, "artifacts"));
  const out = opt("--out", path.join(REPO, "abi"));
  const abis = publicAbis(artifacts);
  // Written afresh, so an ABI of a removed contract does not linger in the package.
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  for (const [name, abi] of abis) fs.writeFileSync(path.join(out, `${name}.json`), `${JSON.stringify(abi, null, 2)}\n`);
  console.log(`build-abi: ${abis.size} ABIs in ${path.relative(process.cwd(), out) || "."}`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(`build-abi: ${(e as Error).message}`);
    process.exit(1);
  }
}
