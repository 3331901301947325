// `npm run check:docs`: every generated block of the docs (README.md, docs/*.md), rendered
// again from its committed data, must equal what the document holds. Fails with one line per
// block that would change, naming the document, the block and the command that regenerates
// it. Renders only (no measuring), so it takes seconds: the slow measurements write their
// data files themselves (see scripts/lib/docs/index.ts).
//
// Usage: npm run check:docs -- [--write] [--root DIR]
//   --write   rewrite the drifted blocks from the data instead of failing
//   --root    check the copy of the repository under DIR (the test drifts a temp copy)
import * as fs from "fs";
import * as path from "path";
import { DOC_BLOCKS, listDocuments } from "./lib/docs";
import { listBlocks, MarkerError, replaceBlock } from "./lib/markers";

export interface DocsReport {
  /** One line per problem: a drifted block, a malformed or unknown marker, missing data. */
  problems: string[];
  /** Blocks rewritten (with write). */
  written: string[];
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Checks (or with `write`, regenerates) every generated block under `root`. */
export function checkDocs(root: string, write = false): DocsReport {
  const problems: string[] = [];
  const written: string[] = [];
  for (const b of DOC_BLOCKS) {
    const file = path.join(root, b.file);
    try {
      const before = fs.readFileSync(file, "utf8");
      const after = replaceBlock(before, b.name, b.command, b.render(root), b.file);
      if (after === before) continue;
      if (write) {
        fs.writeFileSync(file, after);
        written.push(`${b.file}: ${b.name}`);
      } else {
        problems.push(
          `${b.file}: generated block "${b.name}" differs from its data ${b.data} ` +
            `(\`npm run check:docs -- --write\` renders it from the data; \`${b.command}\` measures again)`,
        );
      }
    } catch (e) {
      // A marker error already names the document; anything else (missing data) needs both.
      problems.push(e instanceof MarkerError ? e.message : `${b.file}: generated block "${b.name}": ${describe(e)}`);
    }
  }
  // A block nobody regenerates would drift unseen: every marker must belong to a known block.
  for (const doc of listDocuments(root)) {
    try {
      for (const blk of listBlocks(fs.readFileSync(path.join(root, doc), "utf8"), doc)) {
        if (!DOC_BLOCKS.some((b) => b.file === doc && b.name === blk.name)) {
          problems.push(`${doc}: generated block "${blk.name}" has no generator in scripts/lib/docs/index.ts`);
        }
      }
    } catch (e) {
      problems.push(describe(e));
    }
  }
  return { problems: [...new Set(problems)], written }; // a broken marker shows up in both passes
}

function main(): void {
  const argv = process.argv.slice(2);
  let root = path.join(__dirname, "..");
  let write = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--write") write = true;
    else if (argv[i] === "--root" && i + 1 < argv.length) root = path.resolve(argv[++i]);
    else throw new Error(`check-docs: unknown argument ${argv[i]} (expected --write, --root DIR)`);
  }
  const { problems, written } = checkDocs(root, write);
  for (const w of written) console.log(`check-docs: rewrote ${w}`);
  for (const p of problems) console.error(`check-docs: ${p}`);
  if (problems.length > 0) process.exitCode = 1;
  else console.log(`check-docs: ${DOC_BLOCKS.length} generated blocks in sync`);
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(describe(e));
    process.exitCode = 2;
  }
}
