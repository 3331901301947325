// Building blocks for hand-written programs in tests.
import { Operand, SlotRef, Space } from "../../node/program/isa";

export const W = (index: number): SlotRef => ({ space: Space.Weight, index });
export const In = (index: number): SlotRef => ({ space: Space.Input, index });
export const Act = (index: number): SlotRef => ({ space: Space.Activation, index });

/** Operand from per-coordinate rows [offset, coef_0, …, coef_{n+m−1}]. */
export function opnd(slot: SlotRef, dims: number[], rows: number[][]): Operand {
  return { slot, dims, offset: rows.map((r) => r[0]), coef: rows.flatMap((r) => r.slice(1)) };
}
