#!/usr/bin/python3
"""A GPT-2-small-shaped decoder with random weights, for `npm run bench` (issue 13's scale check).

12 layers, d = 768, 12 heads, vocabulary 50,257, 1,024 positions, tied LM head: 124M parameters
(about 500 MB of float32), drawn from a fixed seed at run time: never committed.
    /usr/bin/python3.11 scripts/make-gpt2-small.py <out.onnx> [--context 64]
Exports tokens int64 [1, context] -> next-token logits [1, 50257] (the head applied to the last
position only, as greedy decoding reads it). Needs Debian's python3-torch and python3-onnx.
"""
import argparse

import torch

from gpt_model import Gpt, NextToken

VOCAB, POSITIONS, D, HEADS, LAYERS = 50257, 1024, 768, 12, 12


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--context", type=int, default=64)
    args = ap.parse_args()
    torch.manual_seed(2019)
    model = Gpt(VOCAB, POSITIONS, D, HEADS, LAYERS, args.context).eval()
    print(f"parameters {sum(p.numel() for p in model.parameters())}", flush=True)
    tokens = torch.randint(0, VOCAB, (1, args.context))
    with torch.no_grad():
        torch.onnx.export(NextToken(model), (tokens,), args.out, input_names=["tokens"], output_names=["logits"], opset_version=14)


if __name__ == "__main__":
    main()
