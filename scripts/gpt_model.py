"""The GPT decoder both scripts/train-gpt.py (the committed models/kjv-gpt.onnx) and
scripts/make-gpt2-small.py (the GPT-2-small-shaped bench model) build: pre-norm blocks with a
causal mask, learned positions, a tied LM head, GPT-2's initialization, and the exported
next-token graph."""
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, d, heads, context):
        super().__init__()
        self.d, self.heads = d, heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.register_buffer("causal", torch.tril(torch.ones(context, context)).bool())

    def forward(self, x):
        b, t, _ = x.shape
        d, h = self.d, self.heads
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        q, k, v = (z.view(b, t, h, d // h).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / (d // h) ** 0.5
        att = att.masked_fill(~self.causal[:t, :t], float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        return x + self.mlp(self.ln2(x))


class Gpt(nn.Module):
    def __init__(self, vocab, positions, d, heads, layers, context):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(positions, d)
        self.blocks = nn.Sequential(*[Block(d, heads, context) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        # GPT-2's initialization: small embeddings keep the tied head's first logits near 0.
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)

    def forward(self, tokens, last_only=False):
        positions = torch.arange(tokens.shape[1]).unsqueeze(0)
        x = self.blocks(self.tok(tokens) + self.pos(positions))
        if last_only:
            x = x[:, -1, :]  # the head and its LayerNorm only where greedy decoding reads
        return self.ln(x) @ self.tok.weight.t()


class NextToken(nn.Module):
    """The exported graph: the logits of the next token only [1, V] (what greedy decoding reads)."""

    def __init__(self, gpt):
        super().__init__()
        self.gpt = gpt

    def forward(self, tokens):
        return self.gpt(tokens, last_only=True)
