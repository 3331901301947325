// The machine state hash (docs/PROTOCOL.md §3.4).
import type { Pc } from "../vm/memory";
import { ByteWriter } from "./bytes";
import { MACHINE_STATE } from "./domains";
import { Bytes32, keccak256 } from "./keccak";
import { f32Bits } from "./leaves";

export interface StateParts {
  weightsRoot: Bytes32;
  inputsRoot: Bytes32;
  activationsRoot: Bytes32;
  pc: Pc;
  /** binary32 value; hashed as its bits, NaN canonical. */
  acc: number;
}

/** The 113 hashed bytes: 0x06 ‖ weightsRoot ‖ inputsRoot ‖ activationsRoot ‖ u32 instr ‖ u32 elem ‖ u32 k ‖ u32 f32(acc). */
export function encodeState(parts: StateParts): Uint8Array {
  for (const [name, r] of [
    ["weightsRoot", parts.weightsRoot],
    ["inputsRoot", parts.inputsRoot],
    ["activationsRoot", parts.activationsRoot],
  ] as const) {
    if (r.length !== 32) throw new RangeError(`state ${name} must be 32 bytes`);
  }
  if (Math.fround(parts.acc) !== parts.acc && parts.acc === parts.acc) {
    throw new RangeError(`state acc ${parts.acc} is not a binary32 value`);
  }
  return new ByteWriter(113)
    .u8(MACHINE_STATE)
    .bytes(parts.weightsRoot)
    .bytes(parts.inputsRoot)
    .bytes(parts.activationsRoot)
    .u32(parts.pc.instr, "pc.instr")
    .u32(parts.pc.elem, "pc.elem")
    .u32(parts.pc.k, "pc.k")
    .u32(f32Bits(parts.acc))
    .finish();
}

export function stateHash(parts: StateParts): Bytes32 {
  return keccak256(encodeState(parts));
}
