// Memory roots (docs/PROTOCOL.md §3.2): per space, a tree over its slot roots with node
// prefix 0x02, padded with 0^32 to a power of two; one slot → R_0, no slot → 0^32.
import { Program, Space } from "../program/isa";
import { MEMORY_NODE } from "./domains";
import { Bytes32, toHex } from "./keccak";
import { depthFor } from "./leaves";
import { MerkleTree } from "./merkle";
import { SlotTree, buildSlotTrees, zeroSlotRoot } from "./tree";

/** Tree of one space over given slot roots. */
export function spaceTree(slotRoots: readonly Uint8Array[]): MerkleTree {
  return MerkleTree.fromList(MEMORY_NODE, slotRoots);
}

/** Root of one space over given slot roots. */
export function spaceRoot(slotRoots: readonly Uint8Array[]): Bytes32 {
  return spaceTree(slotRoots).root();
}

/** Depth of the tree of a space of `slots` slots. */
export function spaceDepth(slots: number): number {
  return depthFor(Math.max(1, slots));
}

/**
 * A space with contents: the tree of every slot and the space tree over their roots. Slot
 * trees keep references to the arrays they were built from (level 0 is read from them).
 */
export class SpaceTrees {
  readonly slots: readonly SlotTree[];
  readonly tree: MerkleTree;

  private constructor(slots: SlotTree[]) {
    this.slots = slots;
    this.tree = spaceTree(slots.map((s) => s.root()));
  }

  static build(values: readonly Float32Array[]): SpaceTrees {
    return new SpaceTrees(buildSlotTrees(values));
  }

  /** The space over slot trees already built (e.g. by the hashing workers). */
  static fromSlots(slots: readonly SlotTree[]): SpaceTrees {
    return new SpaceTrees([...slots]);
  }

  root(): Bytes32 {
    return this.tree.root();
  }

  /** Proof of slot i's root in the space tree. */
  slotProof(i: number): Bytes32[] {
    return this.tree.proof(i);
  }
}

/** weightsRoot of a program (builds every weight slot tree: ≈ #weights/8 hashes). */
export function weightsRoot(program: Program): Bytes32 {
  return SpaceTrees.build(program.weights.map((w) => w.data)).root();
}

/** inputsRoot: the root over the input tensors, one slot each, in graph-input order. */
export function inputsRoot(inputs: readonly Float32Array[]): Bytes32 {
  return spaceRoot(inputs.map((x) => SlotTree.build(x).root()));
}

/** The input commitment of a request (= inputsRoot), 0x-prefixed hex. */
export function inputCommitment(inputs: readonly Float32Array[]): string {
  return toHex(inputsRoot(inputs));
}

/** Activations root at step 0: every activation slot all zero (Z_{D_i} each). */
export function initialActivationsRoot(program: Program): Bytes32 {
  return spaceRoot(program.activations.map((a) => zeroSlotRoot(a.length)));
}

/** Name of a space for messages. */
export function spaceName(space: Space): string {
  return Space[space] ?? `space ${space}`;
}
