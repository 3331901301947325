// The Solidity tables generated from the TypeScript source (scripts/gen-solidity.ts): the
// committed files are in sync, and a hand edit of a generated value is caught by
// `--check`, which names the file, and reverted by regenerating.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BEGIN, END, drifted, fillBlocks, generate, outputs, upperSnake } from "../scripts/gen-solidity";
import { MapOp } from "../node/program/isa";
import { GameStatus } from "../node/chain/status";
import * as domains from "../node/commit/domains";

const REPO = path.join(__dirname, "..");
const SCRIPT = path.join(REPO, "scripts", "gen-solidity.ts");

/** A temp root holding copies of every generated file. */
function tempCopy(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "gen-sol-"));
  for (const o of outputs()) {
    fs.mkdirSync(path.dirname(path.join(root, o.file)), { recursive: true });
    fs.copyFileSync(path.join(REPO, o.file), path.join(root, o.file));
  }
  return root;
}

/** `npm run check:sol-tables` against `root`: exit status and stderr. */
function check(root: string): { status: number | null; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [require.resolve("ts-node/dist/bin.js"), "--transpile-only", SCRIPT, "--check", "--root", root],
    {
      cwd: REPO,
      encoding: "utf8",
    },
  );
  return { status: r.status, stderr: r.stderr.trim() };
}

function edit(root: string, file: string, from: string, to: string): void {
  const p = path.join(root, file);
  const text = fs.readFileSync(p, "utf8");
  expect(text, `${file} holds ${from}`).to.include(from);
  fs.writeFileSync(p, text.replace(from, to));
}

describe("generated Solidity tables (scripts/gen-solidity.ts)", function () {
  this.timeout(120_000);

  it("the committed files are what the TypeScript source generates", () => {
    expect(drifted(REPO).map((o) => o.file)).to.deep.equal([]);
  });

  it("carries the TypeScript values under the one naming rule", () => {
    const isaSol = fs.readFileSync(path.join(REPO, "contracts/lib/Isa.sol"), "utf8");
    for (const [name, value] of Object.entries(MapOp)) {
      if (typeof value !== "number") continue;
      expect(isaSol).to.match(new RegExp(`uint8 internal constant ${upperSnake(name)} = ${value};`));
    }
    expect(upperSnake("LeakyRelu")).to.equal("LEAKY_RELU");
    expect(upperSnake("PRelu")).to.equal("PRELU");
    const domainsSol = fs.readFileSync(path.join(REPO, "contracts/lib/LibDomains.sol"), "utf8");
    for (const [name, value] of Object.entries(domains)) {
      expect(domainsSol).to.include(`bytes1 internal constant ${name} = 0x${value.toString(16).padStart(2, "0")};`);
    }
    const game = fs.readFileSync(path.join(REPO, "contracts/interfaces/IDisputeGame.sol"), "utf8");
    const members = /enum GameStatus \{([^}]*)\}/
      .exec(game)?.[1]
      .split("\n")
      .map((l) => /^\s*(\w+)/.exec(l)?.[1])
      .filter((m) => m !== undefined);
    expect(members).to.deep.equal(Object.keys(GameStatus));
  });

  it("a hand-edited value fails the check naming its file, and regenerating reverts it", () => {
    const root = tempCopy();
    try {
      expect(check(root)).to.deep.equal({ status: 0, stderr: "" });

      edit(root, "contracts/lib/Isa.sol", "ADD = 64;", "ADD = 63;");
      const isa = check(root);
      expect(isa.status).to.equal(1);
      expect(isa.stderr.split("\n")).to.have.length(1);
      expect(isa.stderr).to.include("contracts/lib/Isa.sol").and.include("node/program/isa.ts");

      // Two drifts: the first file is named, the count of the others given.
      edit(
        root,
        "contracts/interfaces/IDisputeGame.sol",
        "ChallengerWon,\n        ClaimerWon,",
        "ClaimerWon,\n        ChallengerWon,",
      );
      expect(drifted(root).map((o) => o.file)).to.deep.equal([
        "contracts/lib/Isa.sol",
        "contracts/interfaces/IDisputeGame.sol",
      ]);
      expect(check(root).stderr).to.match(/contracts\/lib\/Isa\.sol .*\(1 more file\(s\) differ\)$/);

      expect(generate(root)).to.deep.equal(["contracts/lib/Isa.sol", "contracts/interfaces/IDisputeGame.sol"]);
      expect(fs.readFileSync(path.join(root, "contracts/lib/Isa.sol"), "utf8")).to.include("ADD = 64;");
      expect(check(root)).to.deep.equal({ status: 0, stderr: "" });

      // A generated whole file that is gone is a drift too.
      fs.rmSync(path.join(root, "contracts/lib/LibDomains.sol"));
      expect(check(root).stderr).to.include("contracts/lib/LibDomains.sol");
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("marker blocks: text outside them is kept; a block without its end is refused by name", () => {
    const text = [
      "interface I {",
      `    ${BEGIN}`,
      "    enum Old { A }",
      `    ${END}`,
      "    function f() external;",
      "}",
    ].join("\n");
    const out = fillBlocks("I.sol", text, ["    enum New { B }"], "src.ts");
    expect(out.split("\n")).to.deep.equal([
      "interface I {",
      `    ${BEGIN} by scripts/gen-solidity.ts from src.ts: do not edit (npm run gen:sol)`,
      "    enum New { B }",
      `    ${END}`,
      "    function f() external;",
      "}",
    ]);
    expect(() => fillBlocks("I.sol", `${BEGIN}\nenum Old { A }`, ["x"], "src.ts")).to.throw(/I\.sol:1: .*without/);
    expect(() => fillBlocks("I.sol", "no markers", ["x"], "src.ts")).to.throw(/I\.sol has 0 GENERATED blocks/);
  });
});
