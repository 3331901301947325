// Generated blocks in the docs (scripts/lib/markers.ts, scripts/check-docs.ts): the committed
// docs match their data, and a drift made on purpose in a temporary copy is caught, named and
// reverted by the check.
// Run: npx hardhat test test/docs-generated.test.ts
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkDocs } from "../scripts/check-docs";
import { DOC_BLOCKS } from "../scripts/lib/docs";
import { listBlocks, MarkerError, replaceBlock } from "../scripts/lib/markers";

const ROOT = path.join(__dirname, "..");

/** A copy of what the check reads: README.md, docs/ (with docs/data/) and the gas snapshot. */
function copyRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "referee-docs-"));
  fs.copyFileSync(path.join(ROOT, "README.md"), path.join(dir, "README.md"));
  fs.cpSync(path.join(ROOT, "docs"), path.join(dir, "docs"), { recursive: true });
  fs.mkdirSync(path.join(dir, "test"));
  fs.copyFileSync(path.join(ROOT, "test", "gas-snapshot.json"), path.join(dir, "test", "gas-snapshot.json"));
  return dir;
}

function edit(file: string, from: string, to: string): void {
  const text = fs.readFileSync(file, "utf8");
  expect(text.includes(from), `${file} contains ${JSON.stringify(from)}`).to.equal(true);
  fs.writeFileSync(file, text.replace(from, to));
}

describe("docs: generated blocks", function () {
  this.timeout(120_000);
  const copies: string[] = [];
  const copy = (): string => {
    const d = copyRepo();
    copies.push(d);
    return d;
  };
  after(() => {
    for (const d of copies) fs.rmSync(d, { recursive: true, force: true });
  });

  it("the committed docs hold every registered block, in sync with its data", () => {
    expect(checkDocs(ROOT).problems).to.deep.equal([]);
    for (const b of DOC_BLOCKS) {
      const blocks = listBlocks(fs.readFileSync(path.join(ROOT, b.file), "utf8"), b.file);
      const found = blocks.find((x) => x.name === b.name);
      expect(found, `${b.file} has block ${b.name}`).to.not.equal(undefined);
      expect(found!.command).to.equal(b.command);
      expect(found!.body.split("\n").length).to.be.greaterThan(2); // a table, not an empty block
    }
  });

  it("a hand edit inside a block is named (document and block) and reverted by --write", () => {
    const dir = copy();
    const fo32 = path.join(dir, "docs", "FO32.md");
    const original = fs.readFileSync(fo32, "utf8");
    edit(
      fo32,
      "| exp                                           | 1255011 | 0.977 ",
      "| exp                                           | 1255011 | 0.500 ",
    );
    const { problems } = checkDocs(dir);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(
      /^docs\/FO32\.md: generated block "fo32-ulps" differs from its data docs\/data\/fo32-ulps\.json/,
    );
    expect(checkDocs(dir, true).written).to.deep.equal(["docs/FO32.md: fo32-ulps"]);
    expect(fs.readFileSync(fo32, "utf8")).to.equal(original);
    expect(checkDocs(dir).problems).to.deep.equal([]);
  });

  it("new data (a dearer verifier in the gas snapshot) makes the README block drift", () => {
    const dir = copy();
    const snapshot = path.join(dir, "test", "gas-snapshot.json");
    const report = JSON.parse(fs.readFileSync(snapshot, "utf8")) as { oneStep: Record<string, { max: number }> };
    report.oneStep.Map.max += 1000;
    fs.writeFileSync(snapshot, JSON.stringify(report, null, 2) + "\n");
    const { problems } = checkDocs(dir);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(
      /^README\.md: generated block "gas-one-step" differs from its data test\/gas-snapshot\.json/,
    );
    checkDocs(dir, true);
    expect(fs.readFileSync(path.join(dir, "README.md"), "utf8")).to.include(
      `| Map | ${report.oneStep.Map.max.toLocaleString("en-US")} |`,
    );
  });

  it("an unknown block, a lost END marker and a deleted block each fail with one line", () => {
    const dir = copy();
    const protocol = path.join(dir, "docs", "PROTOCOL.md");
    fs.appendFileSync(
      protocol,
      "\n<!-- BEGIN GENERATED: mystery (npm run nothing) -->\nx\n<!-- END GENERATED: mystery -->\n",
    );
    edit(path.join(dir, "docs", "OPS.md"), "<!-- END GENERATED: ops -->", "");
    const readme = path.join(dir, "README.md");
    const text = fs.readFileSync(readme, "utf8");
    fs.writeFileSync(
      readme,
      text.replace(/<!-- BEGIN GENERATED: gas-one-step[^]*<!-- END GENERATED: gas-one-step -->\n/, ""),
    );
    const { problems } = checkDocs(dir);
    expect(problems).to.have.length(3);
    expect(problems).to.include('docs/OPS.md: block "ops" has no END marker');
    expect(problems).to.include('README.md: no generated block "gas-one-step" (add its BEGIN/END markers by hand)');
    expect(problems).to.include(
      'docs/PROTOCOL.md: generated block "mystery" has no generator in scripts/lib/docs/index.ts',
    );
  });

  it("the command fails on a drifted copy, naming the document and block in one line", () => {
    const dir = copy();
    edit(path.join(dir, "docs", "OPS.md"), "**passed: ", "**passed: 1");
    const r = spawnSync(
      "npx",
      ["ts-node", "--transpile-only", path.join(ROOT, "scripts", "check-docs.ts"), "--root", dir],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    expect(r.status).to.equal(1);
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("check-docs: "));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(
      /^check-docs: docs\/OPS\.md: generated block "ops" differs from its data docs\/data\/conformance\.json/,
    );
  });

  describe("markers", () => {
    const doc = [
      "# T",
      "before",
      "<!-- BEGIN GENERATED: t (cmd a) -->",
      "old",
      "<!-- END GENERATED: t -->",
      "after",
      "",
    ].join("\n");

    it("replaceBlock rewrites the body and the command, and nothing outside the markers", () => {
      const out = replaceBlock(doc, "t", "cmd b", "new 1\nnew 2\n");
      expect(out).to.equal(
        [
          "# T",
          "before",
          "<!-- BEGIN GENERATED: t (cmd b) -->",
          "new 1",
          "new 2",
          "<!-- END GENERATED: t -->",
          "after",
          "",
        ].join("\n"),
      );
      expect(replaceBlock(out, "t", "cmd a", "old")).to.equal(doc);
    });

    it("refuses duplicated, nested and misspelled markers", () => {
      expect(() => listBlocks(doc + doc, "d")).to.throw(MarkerError, 'd:9: block "t" appears twice');
      const nested = doc.replace("old", "<!-- BEGIN GENERATED: u (x) -->");
      expect(() => listBlocks(nested, "d")).to.throw(MarkerError, 'block "u" begins inside block "t"');
      expect(() => listBlocks(doc.replace("BEGIN GENERATED: t (cmd a)", "BEGIN GENERATED: t"), "d")).to.throw(
        MarkerError,
        "malformed GENERATED marker",
      );
    });
  });
});
