// The tokenizer of a text model (issue 13): byte-pair encoding over characters, as
// scripts/train-gpt.py trains it and writes it (`<model>.vocab.json`). Text is split into
// pieces by the vocabulary's `piece` pattern (a word or one mark, with its leading space);
// within a piece the merges apply lowest rank first; tokens never cross pieces. Token i is
// vocab[i]; decoding concatenates them.
import * as fs from "fs";
import { RefereeError } from "../errors";

export interface BpeVocabulary {
  /** Token strings; a token's id is its index. */
  vocab: string[];
  /** Merges in rank order: [left, right] makes the token left + right. */
  merges: [string, string][];
  /** The pre-tokenization pattern (a regular expression, matched globally). */
  piece: string;
  /** The model's context length in tokens. */
  context: number;
}

export interface Tokenizer {
  readonly vocabulary: BpeVocabulary;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

/** Read and check a `.vocab.json` file: one-line errors naming the problem. */
export function readVocabulary(file: string): BpeVocabulary {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new RefereeError("INPUT", `cannot read the vocabulary ${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  return checkVocabulary(raw, file);
}

export function checkVocabulary(raw: unknown, where: string): BpeVocabulary {
  const bad = (what: string): never => {
    throw new RefereeError("INPUT", `vocabulary ${where}: ${what}`);
  };
  if (typeof raw !== "object" || raw === null) return bad("expected a JSON object");
  const o = raw as Record<string, unknown>;
  const vocab = o.vocab;
  if (!Array.isArray(vocab) || vocab.length === 0 || !vocab.every((t) => typeof t === "string" && t.length > 0))
    return bad("'vocab' must be a non-empty array of non-empty strings");
  if (new Set(vocab).size !== vocab.length) return bad("'vocab' has a repeated token");
  const merges = o.merges;
  if (
    !Array.isArray(merges) ||
    !merges.every((m) => Array.isArray(m) && m.length === 2 && m.every((x) => typeof x === "string"))
  )
    return bad("'merges' must be an array of [left, right] string pairs");
  if (typeof o.piece !== "string") return bad("'piece' must be a regular expression string");
  try {
    new RegExp(o.piece, "g");
  } catch {
    return bad(`'piece' is not a valid regular expression: ${o.piece}`);
  }
  if (!Number.isInteger(o.context) || (o.context as number) < 1) return bad("'context' must be a positive integer");
  return {
    vocab: vocab as string[],
    merges: merges as [string, string][],
    piece: o.piece,
    context: o.context as number,
  };
}

export function tokenizer(vocabulary: BpeVocabulary): Tokenizer {
  const rank = new Map<string, number>();
  vocabulary.merges.forEach(([a, b], i) => rank.set(`${a}\u0000${b}`, i));
  const index = new Map<string, number>();
  vocabulary.vocab.forEach((t, i) => index.set(t, i));
  const cache = new Map<string, number[]>();

  function encodePiece(piece: string): number[] {
    const s = [...piece];
    for (const c of s) {
      if (!index.has(c)) {
        const code = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
        throw new RefereeError("INPUT", `the character '${c}' (U+${code}) is not in the model's vocabulary`);
      }
    }
    while (s.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < s.length; i++) {
        const r = rank.get(`${s[i]}\u0000${s[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      s.splice(best, 2, s[best] + s[best + 1]);
    }
    return s.map((t) => {
      const id = index.get(t);
      if (id === undefined) throw new RefereeError("INPUT", `vocabulary: merge result '${t}' is not a token`);
      return id;
    });
  }

  return {
    vocabulary,
    encode(text: string): number[] {
      const ids: number[] = [];
      const re = new RegExp(vocabulary.piece, "g");
      let covered = 0;
      for (const m of text.matchAll(re)) {
        if (m.index !== covered) {
          throw new RefereeError(
            "INPUT",
            `text at character ${covered} matches no token piece: '${text.slice(covered, m.index)}'`,
          );
        }
        covered = m.index + m[0].length;
        let got = cache.get(m[0]);
        if (got === undefined) {
          got = encodePiece(m[0]);
          cache.set(m[0], got);
        }
        ids.push(...got);
      }
      if (covered !== text.length) {
        throw new RefereeError(
          "INPUT",
          `text at character ${covered} matches no token piece: '${text.slice(covered)}'`,
        );
      }
      return ids;
    },
    decode(ids: readonly number[]): string {
      return ids
        .map((id) => {
          const t = vocabulary.vocab[id];
          if (t === undefined)
            throw new RefereeError(
              "INPUT",
              `token id ${id} is outside the vocabulary (0..${vocabulary.vocab.length - 1})`,
            );
          return t;
        })
        .join("");
    },
  };
}
