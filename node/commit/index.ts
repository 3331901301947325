// Commitments (docs/PROTOCOL.md §3–4): leaves, slot trees, memory and program roots, state
// hashes, the model and input commitments, states at any step of a run, one-step witnesses.
export * from "./keccak";
export * from "./domains";
export * from "./leaves";
export * from "./merkle";
export * from "./tree";
export { HashPool, closeHashPool, defaultThreads, hashPool } from "./hash-pool";
export * from "./memory-root";
export * from "./program-root";
export * from "./state";
export * from "./model-commitment";
export * from "./trace";
export * from "./witness";
export { BATCH, BatchHasher, BatchKind, batchHasher, createBatchHasher, hashLevelBatch } from "./keccak-batch";
