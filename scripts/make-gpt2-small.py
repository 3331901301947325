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
from torch import nn

VOCAB, POSITIONS, D, HEADS, LAYERS = 50257, 1024, 768, 12, 12


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(D)
        self.qkv = nn.Linear(D, 3 * D)
        self.proj = nn.Linear(D, D)
        self.ln2 = nn.LayerNorm(D)
        self.mlp = nn.Sequential(nn.Linear(D, 4 * D), nn.GELU(), nn.Linear(4 * D, D))

    def forward(self, x, causal):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(D, dim=-1)
        q, k, v = (z.view(b, t, HEADS, D // HEADS).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / (D // HEADS) ** 0.5
        att = att.masked_fill(~causal, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, D)
        x = x + self.proj(y)
        return x + self.mlp(self.ln2(x))


class Gpt2Small(nn.Module):
    def __init__(self, context):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, D)
        self.pos = nn.Embedding(POSITIONS, D)
        self.blocks = nn.ModuleList([Block() for _ in range(LAYERS)])
        self.ln = nn.LayerNorm(D)
        self.register_buffer("causal", torch.tril(torch.ones(context, context)).bool())
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)

    def forward(self, tokens):
        positions = torch.arange(tokens.shape[1]).unsqueeze(0)
        x = self.tok(tokens) + self.pos(positions)
        for block in self.blocks:
            x = block(x, self.causal)
        return self.ln(x[:, -1, :]) @ self.tok.weight.t()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--context", type=int, default=64)
    args = ap.parse_args()
    torch.manual_seed(2019)
    model = Gpt2Small(args.context).eval()
    print(f"parameters {sum(p.numel() for p in model.parameters())}", flush=True)
    tokens = torch.randint(0, VOCAB, (1, args.context))
    with torch.no_grad():
        torch.onnx.export(model, (tokens,), args.out, input_names=["tokens"], output_names=["logits"], opset_version=14)


if __name__ == "__main__":
    main()
