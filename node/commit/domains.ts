// Domain prefixes of every hash (docs/PROTOCOL.md §3): the first byte hashed, so that a
// node of one tree kind can never be passed off as a node, leaf or state of another.
export const TENSOR_NODE = 0x01;
export const MEMORY_NODE = 0x02;
export const PROGRAM_NODE = 0x03;
export const INSTRUCTION_LEAF = 0x04;
export const PROGRAM_ROOT = 0x05;
export const MACHINE_STATE = 0x06;
export const MODEL_COMMITMENT = 0x07;
export const TENSOR_SPECS = 0x08;
