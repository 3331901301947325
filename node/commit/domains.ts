// Domain prefixes of every hash (docs/PROTOCOL.md §3): the first byte hashed, so that a
// node of one tree kind can never be passed off as a node, leaf or state of another.
// Source of contracts/lib/LibDomains.sol (scripts/gen-solidity.ts, `npm run gen:sol`).
export const TENSOR_NODE = 0x01; // tensor tree node (§3.1)
export const MEMORY_NODE = 0x02; // memory tree node, over slot roots (§3.2)
export const PROGRAM_NODE = 0x03; // program tree node, over instruction hashes (§3.3)
export const INSTRUCTION_LEAF = 0x04; // instruction leaf (§3.3)
export const PROGRAM_ROOT = 0x05; // program root (§3.3)
export const MACHINE_STATE = 0x06; // machine state (§3.4)
export const MODEL_COMMITMENT = 0x07; // model commitment (§3.5)
export const TENSOR_SPECS = 0x08; // tensor spec list, inputs or outputs (§3.5)
