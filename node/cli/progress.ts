// Progress on stderr for long work, only when a person is watching (stderr is a TTY):
// scripts and pipes get clean output. Phases are synchronous, so this is a status line
// shown before each phase and cleared after it, not an animation.
export interface Progress {
  /** Run `work`, showing `label` while it runs; returns its result and its wall time in ms. */
  phase<T>(label: string, work: () => T): { value: T; ms: number };
  phaseAsync<T>(label: string, work: () => Promise<T>): Promise<{ value: T; ms: number }>;
}

export function createProgress(stream: { write(text: string): unknown; isTTY?: boolean } = process.stderr): Progress {
  const live = stream.isTTY === true;
  const show = (label: string) => {
    if (live) stream.write(`\r\x1b[K${label}…`);
  };
  const clear = () => {
    if (live) stream.write("\r\x1b[K");
  };
  return {
    phase(label, work) {
      show(label);
      const t0 = performance.now();
      try {
        const value = work();
        return { value, ms: performance.now() - t0 };
      } finally {
        clear();
      }
    },
    async phaseAsync(label, work) {
      show(label);
      const t0 = performance.now();
      try {
        const value = await work();
        return { value, ms: performance.now() - t0 };
      } finally {
        clear();
      }
    },
  };
}
