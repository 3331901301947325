// The one probe table of both engines. Before an engine uses its own code for an FO32
// operation (a JS inline, a wasm op), it runs that code on these values (all pairs for a
// binary op) and compares bit for bit with node/fo32; on any disagreement it calls the
// node/fo32 closure instead, so neither engine can drift from the definition the stepper
// uses. Verdicts are remembered per engine and code.

/** Signed zeros, ±1, halves (rounding ties), subnormals, the normal boundary, the largest finite values, 2^23 ± ½, ±∞, NaN. */
export const PROBE_VALUES: readonly number[] = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  1.5,
  -1.5,
  2.5,
  -2.5,
  2,
  -2,
  3,
  -3,
  6,
  -6,
  0.1,
  -0.3,
  7.25,
  1e-8,
  -1e-8,
  100,
  -100,
  65504,
  1e30,
  -1e30,
  1.401298464324817e-45,
  -1.401298464324817e-45,
  1.1754942106924411e-38,
  -1.1754942106924411e-38,
  1.1754943508222875e-38,
  3.4028234663852886e38,
  -3.4028234663852886e38,
  8388607.5,
  -8388608.5,
  16777215,
  Infinity,
  -Infinity,
  NaN,
].map(Math.fround);

/** The probe values for an op with `params`: the table plus each param, its neighbours and its negation. */
export function probeValues(params: readonly number[]): number[] {
  return PROBE_VALUES.concat(
    params.flatMap((p) => [p, Math.fround(p * (1 + 2 ** -20)), Math.fround(p * (1 - 2 ** -20)), -p]),
  );
}

const verdicts = new Map<string, boolean>();

/**
 * Whether the code named `key` agrees with node/fo32: `run` probes it (true = every probe
 * value agrees); it runs once per key, and a throw counts as disagreement.
 */
export function probeOnce(key: string, run: () => boolean): boolean {
  let ok = verdicts.get(key);
  if (ok === undefined) {
    try {
      ok = run();
    } catch {
      ok = false;
    }
    verdicts.set(key, ok);
  }
  return ok;
}
