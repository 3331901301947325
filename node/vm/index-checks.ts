// After a run: are the runtime indices the program read (Gather on runtime indices) in
// range? Out of range the step result is defined (no row selected: zeros), so the run is
// valid and provable, but almost surely not what the user meant: tools report it.
import type { IndexCheck } from "../compiler/api";
import { Memory, slotOf } from "./memory";

export interface IndexViolation {
  node: string;
  /** Flat position in the indices tensor. */
  element: number;
  value: number;
  size: number;
}

/** The first index outside [−size, size) or not an integer, in check order; null when all are valid. */
export function firstBadIndex(checks: readonly IndexCheck[], memory: Memory): IndexViolation | null {
  for (const c of checks) {
    const values = slotOf(memory, c.slot);
    for (let e = 0; e < values.length; e++) {
      const v = values[e];
      if (!Number.isInteger(v) || v < -c.size || v >= c.size)
        return { node: c.node, element: e, value: v, size: c.size };
    }
  }
  return null;
}

/** One line naming the node, the element and the range. */
export function describeBadIndex(v: IndexViolation): string {
  return (
    `Gather '${v.node}': index ${v.value} (element ${v.element} of its indices) is outside ` +
    `[${-v.size}, ${v.size}) or not an integer: no row is selected (the step result is zeros)`
  );
}
