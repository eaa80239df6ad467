#!/usr/bin/python3
"""Exports torchvision architectures with fixed-seed random weights to ONNX for the compare suite.

Needs Debian's python3-torch and python3-torchvision (no pretrained weights are downloaded).
Usage: bench/export-torchvision.py [OUT_DIR] [ARCH ...]   (default .cache/models/torchvision and the suite's four)
Any torchvision.models builder name works as ARCH (e.g. efficientnet_b0, mobilenet_v3_small, densenet121).
"""
import os
import sys

import torch
import torchvision.models as models

ARCHS = ["resnet18", "mobilenet_v2", "squeezenet1_1", "vgg16"]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".cache", "models", "torchvision")
    archs = sys.argv[2:] or ARCHS
    os.makedirs(out, exist_ok=True)
    for name in archs:
        path = os.path.join(out, name + ".onnx")
        if os.path.exists(path):
            continue
        torch.manual_seed(0)
        kwargs = {"aux_logits": False, "init_weights": True} if name in ("googlenet", "inception_v3") else {}
        net = getattr(models, name)(weights=None, **kwargs).eval()
        size = 299 if name.startswith("inception") else 224
        x = torch.randn(1, 3, size, size)
        torch.onnx.export(net, x, path, input_names=["input"], output_names=["output"], opset_version=13)
        print(f"exported {path}")


if __name__ == "__main__":
    main()
