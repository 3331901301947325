#!/usr/bin/python3.11
"""Small recurrent classifiers exported by PyTorch, for test/compiler-recurrent.test.ts.

Run with the torch 1.13 / onnx 1.12 interpreter:
    /usr/bin/python3.11 scripts/make-rnn-models.py
Writes into test/fixtures/:
  lstm_classifier.onnx  x [1, 12, 10] -> nn.LSTM(10, 16, 2 layers, bidirectional, batch_first)
                        -> last step -> Linear -> [1, 5]
  gru_classifier.onnx   x [2, 12, 10] -> nn.GRU(10, 20, 1 layer, batch_first) -> last step
                        -> Linear -> [2, 5]
Static shapes (no dynamic axes), opset 13. Weights come from a fixed seed, so the files are
reproducible for a given torch version.
"""
import os

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures")
SEQ = 12
FEATURES = 10
CLASSES = 5


class LstmClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(FEATURES, 16, num_layers=2, bidirectional=True, batch_first=True)
        self.head = nn.Linear(2 * 16, CLASSES)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y[:, -1, :])


class GruClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(FEATURES, 20, num_layers=1, batch_first=True)
        self.head = nn.Linear(20, CLASSES)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y[:, -1, :])


def export(model, batch, name):
    torch.manual_seed(0)
    for p in model.parameters():
        nn.init.uniform_(p, -0.5, 0.5)
    model.eval()
    x = torch.randn(batch, SEQ, FEATURES)
    path = os.path.join(OUT, name)
    torch.onnx.export(model, (x,), path, input_names=["x"], output_names=["logits"], opset_version=13)
    print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    export(LstmClassifier(), 1, "lstm_classifier.onnx")
    export(GruClassifier(), 2, "gru_classifier.onnx")
