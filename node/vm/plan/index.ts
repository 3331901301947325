// Kernel plans: Instruction → plain data (forms, checks, levels, lanes, blocking), no code.
// affine.ts is shared by both engines; vector.ts is the wasm engine's f32x4 blocking,
// lanes.ts the JS engine's interleaving. The emitters (../wasm/emitter.ts,
// ../js/emitter.ts) render them.
export * from "./affine";
export * from "./vector";
export * from "./lanes";
