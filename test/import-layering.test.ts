// The import-layering gate (.dependency-cruiser.js, `npm run check:deps` in CI): the tree as
// committed has no upward import and no cycle, and the rule set catches both when they are
// introduced on purpose in a temporary tree.
// Run: npx hardhat test test/import-layering.test.ts
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
const DEPCRUISE = path.join(ROOT, "node_modules", ".bin", "depcruise");

function depcruise(cwd: string, targets: string[]): { status: number | null; out: string } {
  const r = spawnSync(DEPCRUISE, [...targets, "--config", ".dependency-cruiser.js", "--output-type", "err"], {
    cwd,
    encoding: "utf8",
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A tree of `files` (path → source) beside a copy of the project's rule set. */
function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "referee-layers-"));
  fs.copyFileSync(path.join(ROOT, ".dependency-cruiser.js"), path.join(dir, ".dependency-cruiser.js"));
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "commonjs" } }));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe("import layering (dependency-cruiser)", function () {
  this.timeout(120_000);

  it("the committed node/, scripts/ and test/ have no upward import and no cycle", () => {
    const r = depcruise(ROOT, ["node", "scripts", "test"]);
    expect(r.out).to.match(/no dependency violations found/);
    expect(r.status).to.equal(0);
  });

  it("an upward import (fo32 → compiler) and a cycle (chain ↔ chain) each fail, named", () => {
    const dir = tree({
      "node/compiler/c.ts": "export const c = 1;\n",
      "node/fo32/f.ts": 'import { c } from "../compiler/c";\nexport const f = c;\n',
      "node/vm/v.ts": 'import { f } from "../fo32/f";\nexport const v = f;\n',
      "node/chain/a.ts": 'import { b } from "./b";\nexport const a = () => b;\n',
      "node/chain/b.ts": 'import { a } from "./a";\nexport const b = () => a;\n',
    });
    try {
      const r = depcruise(dir, ["node"]);
      expect(r.status).to.not.equal(0);
      expect(r.out).to.match(/no-upward-from-fo32: node\/fo32\/f\.ts → node\/compiler\/c\.ts/);
      expect(r.out).to.match(/no-circular: node\/chain\/(a|b)\.ts/);
      // vm → fo32 points down: allowed.
      expect(r.out).to.not.match(/node\/vm\/v\.ts/);
      expect(r.out).to.match(/2 dependency violations/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("node/ importing scripts/ or test/ fails", () => {
    const dir = tree({
      "test/helper.ts": "export const h = 1;\n",
      "node/cli/x.ts": 'import { h } from "../../test/helper";\nexport const x = h;\n',
    });
    try {
      const r = depcruise(dir, ["node", "test"]);
      expect(r.status).to.not.equal(0);
      expect(r.out).to.match(/node-never-imports-scripts-or-tests: node\/cli\/x\.ts → test\/helper\.ts/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
