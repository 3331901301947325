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
  return firstBadIndexIn(
    checks,
    checks.map((c) => slotOf(memory, c.slot)),
  );
}

/** The same, given each check's index values (`values[i]` for `checks[i]`). */
export function firstBadIndexIn(checks: readonly IndexCheck[], values: readonly Float32Array[]): IndexViolation | null {
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i];
    const v = values[i];
    for (let e = 0; e < v.length; e++) {
      const x = v[e];
      if (!Number.isInteger(x) || x < -c.size || x >= c.size)
        return { node: c.node, element: e, value: x, size: c.size };
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
