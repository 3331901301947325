// The BPE tokenizer of text models (node/io/bpe.ts) against the Python encoder that trained
// it: scripts/train-gpt.py stores a text and its ids in the vocabulary file.
import { expect } from "chai";
import { readFileSync } from "fs";
import { join } from "path";
import { checkVocabulary, readVocabulary, tokenizer } from "../node/io/bpe";
import { RefereeError } from "../node/errors";

const VOCAB = join(__dirname, "..", "models", "kjv-gpt.vocab.json");

describe("BPE tokenizer", () => {
  const raw = JSON.parse(readFileSync(VOCAB, "utf8")) as { check: { text: string; ids: number[] } };
  const tok = tokenizer(readVocabulary(VOCAB));

  it("encodes the training script's check text to the ids Python gave, and decodes it back", () => {
    expect(raw.check.ids.length).to.be.greaterThan(100);
    expect(tok.encode(raw.check.text)).to.deep.equal(raw.check.ids);
    expect(tok.decode(raw.check.ids)).to.equal(raw.check.text);
  });

  it("round-trips spaces and punctuation; merges never cross pieces", () => {
    const text = "And the LORD said,  Let the men go: and they went; (so it was).";
    expect(tok.decode(tok.encode(text))).to.equal(text);
    const ids = tok.encode(" said,");
    expect(ids.map((i) => tok.vocabulary.vocab[i]).join("|")).to.not.include("d,");
  });

  it("refuses a character outside the vocabulary and an unknown id with one line", () => {
    expect(() => tok.encode("price in €")).to.throw(
      RefereeError,
      /the character '€' \(U\+20AC\) is not in the model's vocabulary/,
    );
    expect(() => tok.decode([tok.vocabulary.vocab.length])).to.throw(RefereeError, /outside the vocabulary/);
  });

  it("refuses malformed vocabulary files, naming the field", () => {
    expect(() => checkVocabulary({ vocab: [], merges: [], piece: "x", context: 1 }, "v.json")).to.throw(/'vocab'/);
    expect(() => checkVocabulary({ vocab: ["a", "a"], merges: [], piece: "x", context: 1 }, "v.json")).to.throw(
      /repeated token/,
    );
    expect(() => checkVocabulary({ vocab: ["a"], merges: [["a"]], piece: "x", context: 1 }, "v.json")).to.throw(
      /'merges'/,
    );
    expect(() => checkVocabulary({ vocab: ["a"], merges: [], piece: "(", context: 1 }, "v.json")).to.throw(/'piece'/);
    expect(() => checkVocabulary({ vocab: ["a"], merges: [], piece: "a", context: 0 }, "v.json")).to.throw(/'context'/);
  });
});
