// The directory that holds Referee's package.json, found by walking up from this file: the
// same answer whether the code runs from node/ through ts-node, from dist/node/ in a checkout,
// or from node_modules/referee/dist/node/ in a dApp (a fixed "../.." would be right for one).
import * as fs from "fs";
import * as path from "path";

let root: string | undefined;

export function packageRoot(): string {
  if (root === undefined) {
    let dir = __dirname;
    while (!fs.existsSync(path.join(dir, "package.json"))) {
      const up = path.dirname(dir);
      if (up === dir) throw new Error(`no package.json above ${__dirname}`);
      dir = up;
    }
    root = dir;
  }
  return root;
}
