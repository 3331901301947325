// Where each generated block lives and which command writes it (the BEGIN marker names it).
export interface BlockPlace {
  /** Document path relative to the repository root. */
  file: string;
  /** Block name in its markers. */
  name: string;
  /** The command that measures the data and rewrites the block. */
  command: string;
}

export const OPS_DOC: BlockPlace = { file: "docs/OPS.md", name: "ops", command: "npm run conformance" };
export const ULPS_DOC: BlockPlace = { file: "docs/FO32.md", name: "fo32-ulps", command: "npm run docs:ulps" };
export const FO32_GAS_DOC: BlockPlace = { file: "docs/FO32.md", name: "fo32-gas", command: "npm run docs:fo32-gas" };
export const ONE_STEP_GAS_DOC: BlockPlace = {
  file: "README.md",
  name: "gas-one-step",
  command: "npm run gas -- --update",
};
export const LOAD_DOC: BlockPlace = { file: "README.md", name: "load", command: "npm run load -- --update" };
export const REQUEST_GAS_DOC: BlockPlace = {
  file: "README.md",
  name: "request-gas",
  command: "UPDATE_DOCS=1 npx hardhat test test/request-gas.test.ts",
};
