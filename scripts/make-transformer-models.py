#!/usr/bin/python3
"""Small transformer models for issue 12's coverage tests, exported by PyTorch.

Run with Debian's torch (apt-get install python3-torch python3-onnx):
    /usr/bin/python3.11 scripts/make-transformer-models.py [outdir]
Writes (default outdir: test/fixtures):
  bert_encoder.onnx  tokens int64 [1, 16], mask bool [1, 16] -> nn.TransformerEncoder (2 layers,
                     d = 32, 4 heads) -> mean-pooled -> 3 classes
  gpt_decoder.onnx   tokens int64 [1, 16] -> GPT-style decoder (2 blocks, d = 32, 4 heads, causal
                     mask, learned positions, tied LM head) -> logits [1, 16, 96]
Weights come from a fixed seed; shapes are static (no dynamic axes).
"""
import os
import sys

import torch
from torch import nn

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures")
SEQ, VOCAB, D, HEADS = 16, 96, 32, 4


class BertClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D)
        self.pos = nn.Parameter(torch.randn(1, SEQ, D) * 0.1)
        layer = nn.TransformerEncoderLayer(D, HEADS, dim_feedforward=64, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.head = nn.Linear(D, 3)

    def forward(self, tokens, mask):
        x = self.embed(tokens) + self.pos
        x = self.encoder(x, src_key_padding_mask=~mask)
        keep = mask.unsqueeze(-1).float()
        pooled = (x * keep).sum(1) / keep.sum(1).clamp(min=1.0)
        return self.head(pooled)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(D)
        self.qkv = nn.Linear(D, 3 * D)
        self.proj = nn.Linear(D, D)
        self.ln2 = nn.LayerNorm(D)
        self.mlp = nn.Sequential(nn.Linear(D, 4 * D), nn.GELU(), nn.Linear(4 * D, D))
        self.register_buffer("causal", torch.tril(torch.ones(SEQ, SEQ)).bool())

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(D, dim=-1)
        q, k, v = (z.view(b, t, HEADS, D // HEADS).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / (D // HEADS) ** 0.5
        att = att.masked_fill(~self.causal[:t, :t], float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, D)
        x = x + self.proj(y)
        return x + self.mlp(self.ln2(x))


class Gpt(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, D)
        self.pos = nn.Embedding(SEQ, D)
        self.blocks = nn.Sequential(Block(), Block())
        self.ln = nn.LayerNorm(D)

    def forward(self, tokens):
        positions = torch.arange(tokens.shape[1]).unsqueeze(0)
        x = self.blocks(self.tok(tokens) + self.pos(positions))
        return self.ln(x) @ self.tok.weight.t()


def main():
    torch.manual_seed(12)
    os.makedirs(OUT, exist_ok=True)
    tokens = torch.randint(0, VOCAB, (1, SEQ))
    mask = torch.ones(1, SEQ, dtype=torch.bool)
    mask[0, 12:] = False
    # Exported with autograd on: torch 1.13 then skips its fused eval-mode encoder kernel, which
    # does not export.
    bert = BertClassifier().eval()
    torch.onnx.export(bert, (tokens, mask), os.path.join(OUT, "bert_encoder.onnx"),
                      input_names=["tokens", "mask"], output_names=["logits"], opset_version=14)
    gpt = Gpt().eval()
    torch.onnx.export(gpt, (tokens,), os.path.join(OUT, "gpt_decoder.onnx"),
                      input_names=["tokens"], output_names=["logits"], opset_version=14)


if __name__ == "__main__":
    main()
