#!/usr/bin/python3
"""Train Referee's small GPT (issue 13: verified text generation) and export it to ONNX.

Corpus: the King James Bible (public domain) from Debian's bible-kjv-text package:
    apt-get install -y bible-kjv-text python3-torch python3-onnx
    /usr/bin/python3.11 scripts/train-gpt.py [--steps N] [--out models]
Writes models/kjv-gpt.onnx (tokens int64 [1, t] -> next-token logits [1, V], t dynamic up to
CONTEXT) and models/kjv-gpt.vocab.json (the BPE vocabulary and merges the CLI tokenizes with).

Tokenizer: byte-pair encoding over characters, trained here. Text is split into pieces (a
word or one punctuation mark, with its leading space); merges never cross pieces. The
vocabulary is the corpus's characters then one token per merge, in merge order.
"""
import argparse
import json
import math
import os
import re
import subprocess
import time
from collections import Counter

import torch
from torch.nn import functional as F

from gpt_model import Gpt, NextToken

VOCAB, CONTEXT, D, HEADS, LAYERS = 1024, 64, 96, 4, 4
PIECE = re.compile(r" ?[A-Za-z]+| ?[0-9]+| ?[^A-Za-z0-9 ]| ")


def corpus():
    out = subprocess.run(["bible", "-l10000", "gen1:1-rev22:21"], capture_output=True, text=True, check=True).stdout
    verses = []
    for line in out.splitlines():
        m = re.match(r"^\s+\d+ (.*)$", line)
        if m:
            verses.append(m.group(1).strip())
    return " ".join(verses)


def train_bpe(text, vocab_size):
    words = Counter(PIECE.findall(text))
    chars = sorted({c for w in words for c in w})
    vocab = list(chars)
    seqs = {w: list(w) for w in words}
    merges = []
    while len(vocab) < vocab_size:
        pairs = Counter()
        for w, n in words.items():
            s = seqs[w]
            for a, b in zip(s, s[1:]):
                pairs[(a, b)] += n
        if not pairs:
            break
        (a, b), _ = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        merges.append([a, b])
        vocab.append(a + b)
        for w in words:
            s = seqs[w]
            i, out = 0, []
            while i < len(s):
                if i + 1 < len(s) and s[i] == a and s[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            seqs[w] = out
    return vocab, merges


def encode(text, vocab, merges):
    """The reference encoder (node/io/bpe.ts implements the same): per piece, apply merges by rank."""
    rank = {(a, b): i for i, (a, b) in enumerate(merges)}
    index = {t: i for i, t in enumerate(vocab)}
    cache, ids = {}, []
    for piece in PIECE.findall(text):
        if piece not in cache:
            s = list(piece)
            while len(s) > 1:
                best = min(range(len(s) - 1), key=lambda i: rank.get((s[i], s[i + 1]), math.inf))
                if (s[best], s[best + 1]) not in rank:
                    break
                s[best:best + 2] = [s[best] + s[best + 1]]
            cache[piece] = [index[t] for t in s]
        ids.extend(cache[piece])
    return ids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--report", type=int, default=250)
    ap.add_argument("--minutes", type=float, default=None, help="stop training after this long (then export)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
    args = ap.parse_args()
    torch.manual_seed(13)
    torch.set_num_threads(2)
    text = corpus()
    vocab, merges = train_bpe(text, VOCAB)
    data = torch.tensor(encode(text, vocab, merges), dtype=torch.long)
    print(f"corpus {len(text)} chars, {len(data)} tokens, vocabulary {len(vocab)}", flush=True)
    split = int(len(data) * 0.95)
    train, val = data[:split], data[split:]
    model = Gpt(VOCAB, CONTEXT, D, HEADS, LAYERS, CONTEXT)
    print(f"parameters {sum(p.numel() for p in model.parameters())}", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=args.steps, pct_start=0.05)

    def batch(src):
        ix = torch.randint(0, len(src) - CONTEXT - 1, (args.batch,))
        x = torch.stack([src[i:i + CONTEXT] for i in ix])
        y = torch.stack([src[i + 1:i + CONTEXT + 1] for i in ix])
        return x, y

    t0 = time.time()
    for step in range(args.steps):
        x, y = batch(train)
        loss = F.cross_entropy(model(x).reshape(-1, VOCAB), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        out_of_time = args.minutes is not None and time.time() - t0 > 60 * args.minutes
        if step % args.report == 0 or step == args.steps - 1 or out_of_time:
            with torch.no_grad():
                model.eval()
                vx, vy = batch(val)
                vloss = F.cross_entropy(model(vx).reshape(-1, VOCAB), vy.reshape(-1)).item()
                model.train()
            print(f"step {step} loss {loss.item():.3f} val {vloss:.3f} ({time.time() - t0:.0f} s)", flush=True)
        if out_of_time:
            args.steps = step + 1  # recorded in the vocabulary file: the steps actually trained
            break
    model.eval()
    prompt = encode("And God said", vocab, merges)
    ids = list(prompt)
    with torch.no_grad():
        for _ in range(24):
            ids.append(int(model(torch.tensor([ids[-CONTEXT:]])) [0, -1].argmax()))
    print("sample:", "".join(vocab[i] for i in ids), flush=True)

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "kjv-gpt.onnx")
    torch.onnx.export(NextToken(model), (torch.tensor([prompt]),), onnx_path, input_names=["tokens"],
                      output_names=["logits"], dynamic_axes={"tokens": {1: "t"}}, opset_version=14)
    # A check for other implementations of the tokenizer (node/io/bpe.ts): text and its ids.
    check = text[:2000]
    with open(os.path.join(args.out, "kjv-gpt.vocab.json"), "w") as f:
        json.dump({"tokenizer": "bpe-pieces-v1", "piece": PIECE.pattern, "context": CONTEXT, "vocab": vocab,
                   "merges": merges, "corpus": "King James Bible (public domain), Debian bible-kjv-text",
                   "steps": args.steps, "valLoss": round(vloss, 4),
                   "check": {"text": check, "ids": encode(check, vocab, merges)}}, f, ensure_ascii=False)
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes)")


if __name__ == "__main__":
    main()
