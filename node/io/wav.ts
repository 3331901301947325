// WAV audio as a model input: 16-bit PCM, mono, 16 kHz (what speech models such as
// openWakeWord take). Samples become their int16 values as floats (−32768 … 32767), not
// scaled to [−1, 1): openWakeWord's melspectrogram expects the raw int16 scale.
import { RefereeError } from "../errors";

/** The one sample rate the reader accepts: speech models' rate; resampling is not its job. */
export const WAV_SAMPLE_RATE = 16000;

export interface WavAudio {
  sampleRate: number;
  samples: Float32Array;
}

function wavError(what: string, msg: string): RefereeError {
  return new RefereeError("INPUT", `${what}: ${msg}`);
}

const CONVERT = `convert it, e.g. sox in.wav -r ${WAV_SAMPLE_RATE} -c 1 -b 16 out.wav`;

/** Decode a RIFF/WAVE file of 16-bit PCM mono at 16 kHz. */
export function decodeWav(bytes: Uint8Array, what = "wav input"): WavAudio {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") throw wavError(what, "not a RIFF/WAVE file");
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = tag(at);
    const size = dv.getUint32(at + 4, true);
    const body = at + 8;
    if (id === "fmt ") {
      if (size < 16 || body + 16 > bytes.length) throw wavError(what, "truncated fmt chunk");
      fmt = {
        format: dv.getUint16(body, true),
        channels: dv.getUint16(body + 2, true),
        rate: dv.getUint32(body + 4, true),
        bits: dv.getUint16(body + 14, true),
      };
    } else if (id === "data") {
      if (!fmt) throw wavError(what, "data chunk before the fmt chunk");
      if (fmt.format !== 1 || fmt.bits !== 16)
        throw wavError(what, `not 16-bit PCM (format ${fmt.format}, ${fmt.bits} bits): ${CONVERT}`);
      if (fmt.channels !== 1) throw wavError(what, `${fmt.channels} channels, expected mono: ${CONVERT}`);
      if (fmt.rate !== WAV_SAMPLE_RATE)
        throw wavError(what, `sample rate ${fmt.rate} Hz, expected ${WAV_SAMPLE_RATE}: ${CONVERT}`);
      if (body + size > bytes.length) throw wavError(what, `data chunk of ${size} bytes runs past the end of the file`);
      if (size % 2 !== 0) throw wavError(what, `data chunk of ${size} bytes is not whole 16-bit samples`);
      const samples = new Float32Array(size / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = dv.getInt16(body + 2 * i, true);
      return { sampleRate: fmt.rate, samples };
    }
    at = body + size + (size % 2); // chunks are padded to even sizes
  }
  throw wavError(what, "no data chunk");
}

/** A 16-bit PCM mono WAV file of `samples` (int16 values) at `sampleRate`. */
export function encodeWav(samples: ArrayLike<number>, sampleRate = WAV_SAMPLE_RATE): Uint8Array {
  const out = new Uint8Array(44 + samples.length * 2);
  const dv = new DataView(out.buffer);
  const put = (at: number, s: string) => [...s].forEach((c, i) => (out[at + i] = c.charCodeAt(0)));
  put(0, "RIFF");
  dv.setUint32(4, 36 + samples.length * 2, true);
  put(8, "WAVE");
  put(12, "fmt ");
  dv.setUint32(16, 16, true);
  dv.setUint16(20, 1, true); // PCM
  dv.setUint16(22, 1, true); // mono
  dv.setUint32(24, sampleRate, true);
  dv.setUint32(28, sampleRate * 2, true); // byte rate
  dv.setUint16(32, 2, true); // block align
  dv.setUint16(34, 16, true);
  put(36, "data");
  dv.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) dv.setInt16(44 + 2 * i, samples[i], true);
  return out;
}
