#!/usr/bin/python3
"""Exports the model-parity zoo to ONNX with random weights (fixed seed), into a git-ignored cache.

Run with Debian's interpreter (torch 1.13, torchvision 0.14 from apt):
    /usr/bin/python3 scripts/export-models.py [--cache DIR] [--only NAME ...]
The cache is DIR, else $SYSNOISE_MODEL_CACHE, else artifacts/models/ in the repository. Models already in the
cache are skipped, so the script is cheap to run before every test run. Each file is written to a temporary
name and renamed, so an interrupted export never leaves a truncated model behind.

Weights are random (no download): parity between two executors does not need trained weights, and random
BatchNorm statistics are set to plausible values so activations stay in a realistic range (untouched running
stats of 0/1 would make BatchNorm a near no-op and hide its arithmetic).
"""
import argparse
import os
import sys

SEED = 20240611
OPSET = 13


def small_vit(torchvision):
    # vit_b_16 is 86M parameters; a 2-layer, 192-wide ViT exercises the same ops (patch conv, class token,
    # position embedding, LayerNorm, multi-head attention, GELU MLP) at a fraction of the cost.
    import torch
    from torchvision.models.vision_transformer import VisionTransformer
    vit = VisionTransformer(image_size=224, patch_size=16, num_layers=2, num_heads=3, hidden_dim=192, mlp_dim=768, num_classes=1000)
    # torchvision initialises the classification head to zeros (fine-tuning starts from there): with random weights
    # every logit would be exactly 0 and a parity check on them would compare nothing.
    with torch.no_grad():
        torch.nn.init.trunc_normal_(vit.heads.head.weight, std=0.02)
        torch.nn.init.normal_(vit.heads.head.bias, std=0.02)
    return vit


def models(torchvision):
    m = torchvision.models
    return {
        "resnet18": lambda: m.resnet18(weights=None),
        "resnet50": lambda: m.resnet50(weights=None),
        "mobilenet_v2": lambda: m.mobilenet_v2(weights=None),
        "mobilenet_v3_small": lambda: m.mobilenet_v3_small(weights=None),
        "efficientnet_b0": lambda: m.efficientnet_b0(weights=None),
        "regnet_x_400mf": lambda: m.regnet_x_400mf(weights=None),
        "swin_t": lambda: m.swin_t(weights=None),
        "vit_tiny": lambda: small_vit(torchvision),
    }


def randomize_batchnorm(torch, model, generator):
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            with torch.no_grad():
                module.running_mean.copy_(torch.randn(module.running_mean.shape, generator=generator) * 0.1)
                module.running_var.copy_(torch.rand(module.running_var.shape, generator=generator) * 0.5 + 0.75)
                if module.weight is not None:
                    module.weight.copy_(torch.rand(module.weight.shape, generator=generator) * 0.5 + 0.75)
                    module.bias.copy_(torch.randn(module.bias.shape, generator=generator) * 0.1)


FIXED_SIZE = {"swin_t", "vit_tiny"}

# A model whose export changed gets a new file name, so that caches holding the old file export it again.
REVISION = {"vit_tiny": 2}


def file_name(name):
    return name + (f"-r{REVISION[name]}" if name in REVISION else "") + ".onnx"


def export(torch, name, build, path):
    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(SEED)
    model = build()
    randomize_batchnorm(torch, model, generator)
    model.eval()
    example = torch.randn(1, 3, 224, 224, generator=generator)
    tmp = path + ".tmp"
    # torch >= 2.9 defaults to the dynamo exporter; the graphs here come from the TorchScript exporter (as 1.13's).
    import inspect
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    # Newer torch emits scaled_dot_product_attention for the transformers, which needs opset 14.
    opsets = [OPSET] if torch.__version__.startswith("1.") else [OPSET, 14]
    for opset in opsets:
        try:
            with torch.no_grad():
                torch.onnx.export(
                    model, example, tmp,
                    input_names=["input"], output_names=["logits"],
                    # Convolutional nets take any input size (the ILGPU simulator check runs them small); transformers
                    # have position embeddings of a fixed length, so only their batch is dynamic.
                    dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"} if name not in FIXED_SIZE else {0: "batch"},
                                  "logits": {0: "batch"}},
                    opset_version=opset, do_constant_folding=True, **legacy)
            break
        except torch.onnx.errors.UnsupportedOperatorError:
            if opset == opsets[-1]:
                raise
    os.replace(tmp, path)


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", default=os.environ.get("SYSNOISE_MODEL_CACHE") or os.path.join(repo, "artifacts", "models"))
    parser.add_argument("--only", nargs="*", help="export only these models")
    parser.add_argument("--list", action="store_true", help="print the model names and exit")
    args = parser.parse_args()

    import torch
    import torchvision
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    zoo = models(torchvision)
    if args.list:
        print("\n".join(zoo))
        return 0

    unknown = [n for n in (args.only or []) if n not in zoo]
    if unknown:
        print(f"export-models: unknown model(s) {', '.join(unknown)}; known: {', '.join(zoo)}", file=sys.stderr)
        return 2

    os.makedirs(args.cache, exist_ok=True)
    for name, build in zoo.items():
        if args.only and name not in args.only:
            continue
        path = os.path.join(args.cache, file_name(name))
        if os.path.exists(path):
            print(f"{name}: cached ({path})")
            continue
        export(torch, name, build, path)
        print(f"{name}: exported torch {torch.__version__} torchvision {torchvision.__version__} opset {OPSET} seed {SEED} -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
