#!/usr/bin/python3
"""Trains the classifiers of SysNoise's bundled default benchmark on the Fashion-MNIST JPEG data set made by
scripts/make-fashion-dataset.py, and exports them to ONNX (opset 13).

usage: train-models.py [--data artifacts/fashion] [--out models/fashion] [--models resnet_narrow,...]
                       [--epochs-scale F] [--threads 1] [--seed 0] [--limit N] [--no-export]

Run with Debian's /usr/bin/python3 (torch 1.13, torchvision 0.14, Pillow 9.4, python3-opencv 4.6), CPU only.

TRAINING / REFERENCE PIPELINE (what the models expect; the eval transform is exactly reproducible in C#):
  1. decode:    PIL.Image.open(path).convert('RGB')                 (libjpeg-turbo ISLOW + fancy upsampling;
                                                                     SysNoise decode variant `pil`)
  2. resize:    img.resize((72, 72), Image.BILINEAR)                (Pillow 9.4 bilinear with its antialias
                                                                     support, 112x112 -> 72x72; SysNoise
                                                                     resize variant `pillow-bilinear`)
  3. crop:      eval: centre crop 64x64 = rows 4..67, cols 4..67    ((72-64)/2 = 4 exactly, no rounding tie)
                train: random 64x64 crop of the 72x72 image (offsets 0..8) + random horizontal flip
  4. to float:  x = uint8 / 255 as float32, RGB channel order, NCHW layout
  5. normalise: (x - mean) / std per channel, mean = (0.455, 0.303, 0.291), std = (0.392, 0.285, 0.119)
                (the train set's statistics after steps 1-3, rounded to 3 decimals)
  The decoded + resized 72x72 uint8 images are computed once and kept in memory; augmentation (crop offset,
  flip) is drawn from a torch.Generator seeded with --seed.

MIXED TRAINING (model resnet_narrow_mix; the paper's Algorithm 1): every epoch, every training image goes
through a decoder and a resize variant drawn uniformly at random (numpy RandomState(seed + epoch)):
  decoders: pil (Image.open().convert('RGB'); cv2.imdecode gives the same bytes on these files),
            libjpeg-ifast (`djpeg -dct fast`), libjpeg-float (`djpeg -dct float`),
            libjpeg-islow-simple (`djpeg -dct int -nosmooth`, no fancy upsampling)
  resizes:  pillow-bilinear, pillow-bicubic, pillow-nearest (PIL Image.resize),
            opencv-linear, opencv-area, opencv-nearest, opencv4.6-cubic (cv2.resize INTER_*, Debian's 4.6)
  then the same crop/flip/normalisation.  These are the real libraries, so they equal the corresponding
  SysNoise variants where those are proven bit-exact (djpeg, Pillow 9.4, OpenCV 4.6 cubic); `sysnoise
  export --mix` will provide the exact tensors from C# for future retraining.

MODELS (input [N,3,64,64] float32 "input", output [N,10] "logits", dynamic batch, opset 13):
  resnet_narrow / resnet_wide: stem conv3x3 s2 (64->32) + BN + ReLU, MaxPool(3, stride 2, pad 1) on 32x32
      (floor -> 16x16, ceil_mode -> 17x17: the ceil-mode noise), 3 stages of one BasicBlock (w, 2w, 4w
      channels; stages 2, 3 stride 2), global average pool, linear.  w = 16 (narrow), 32 (wide).
  resnet_narrow_mix: resnet_narrow trained with mixed training (above).
  mobilenetv2: stem conv3x3 s2 (16 ch) + BN + ReLU6, inverted residual blocks (expand 1x1, depthwise 3x3,
      project 1x1, ReLU6, residual when stride 1 and same width), 1x1 to 256, global average pool, linear.
  vit: 16x16 patch embedding conv (128 ch, 4x4 = 16 tokens; like 7x7 patches on the 28x28 original) +
      learned position embedding, 4 pre-norm transformer blocks (LayerNorm, 4-head softmax attention, MLP
      128->256->128 with GELU), final LayerNorm, mean over tokens, linear.  Its linear layers train as 1x1
      convolutions (FastLinear: Debian's torch uses the reference BLAS) and export as MatMul/Gemm.  (LayerNorm exports as ReduceMean/Sub/Pow/Sqrt/Div and GELU as Erf at opset 13.)
  BatchNorm is folded into the convolutions by the ONNX export (eval mode).

REPRODUCIBILITY: torch.manual_seed(seed), numpy/random seeded, torch.use_deterministic_algorithms(True),
fixed thread count (--threads, default 1).  With the same torch build and thread count a re-run gives the
same weights (checked: two runs of a short training give identical state_dict sha256, see
models/fashion/README.md); a different thread count or CPU ISA (oneDNN kernels) may change the float
rounding of the reductions and hence the weights.

Writes OUT/<model>.onnx, OUT/<model>.pt (state dict, not committed), OUT/results.json (accuracy, params,
size, train time), OUT/reference/<model>-test200.npy (float32 logits of the first 200 test_meta.txt
images through the reference pipeline, for checking an ONNX runtime against torch) and
OUT/reference/test200.txt (those files).
"""
import argparse
import glob
import hashlib
import io
import json
import math
import os
import random
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

MEAN = (0.455, 0.303, 0.291)
STD = (0.392, 0.285, 0.119)
RESIZE = 72
CROP = 64
OFF = (RESIZE - CROP) // 2
NUM_CLASSES = 10


# ----------------------------------------------------------------------------------------------- models
class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        idn = x if self.down is None else self.down(x)
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + idn)


class ResNetS(nn.Module):
    def __init__(self, width, ceil_mode=False):
        super().__init__()
        w = width
        self.stem = nn.Sequential(nn.Conv2d(3, w, 3, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True))
        self.pool = nn.MaxPool2d(3, 2, 1, ceil_mode=ceil_mode)
        self.layer1 = BasicBlock(w, w, 1)
        self.layer2 = BasicBlock(w, 2 * w, 2)
        self.layer3 = BasicBlock(2 * w, 4 * w, 2)
        self.fc = nn.Linear(4 * w, NUM_CLASSES)

    def forward(self, x):
        x = self.pool(self.stem(x))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hid = cin * expand
        layers = []
        if expand != 1:
            layers += [nn.Conv2d(cin, hid, 1, bias=False), nn.BatchNorm2d(hid), nn.ReLU6(inplace=True)]
        layers += [nn.Conv2d(hid, hid, 3, stride, 1, groups=hid, bias=False), nn.BatchNorm2d(hid),
                   nn.ReLU6(inplace=True), nn.Conv2d(hid, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class MobileNetV2S(nn.Module):
    # (expand, out channels, repeats, first stride)
    CFG = [(1, 16, 1, 1), (4, 24, 2, 2), (4, 32, 2, 2), (4, 64, 2, 2), (4, 96, 1, 1)]

    def __init__(self):
        super().__init__()
        layers = [nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6(inplace=True)]
        cin = 16
        for t, c, n, s in self.CFG:
            for i in range(n):
                layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        layers += [nn.Conv2d(cin, 256, 1, bias=False), nn.BatchNorm2d(256), nn.ReLU6(inplace=True)]
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(256, NUM_CLASSES)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1))


class FastLinear(nn.Linear):
    """nn.Linear whose training forward runs as a 1x1 convolution (oneDNN): Debian's torch links the
    reference BLAS, which makes F.linear ~20x slower than oneDNN's conv on 2 cores.  Same parameters and
    maths; in EXPORT_FORM (ONNX export and the reported accuracies) it is the plain F.linear -> MatMul/Gemm."""

    def forward(self, x):
        if EXPORT_FORM[0] or x.dim() != 3:
            return F.linear(x, self.weight, self.bias)
        y = F.conv2d(x.transpose(1, 2).unsqueeze(-1), self.weight[:, :, None, None], self.bias)
        return y.squeeze(-1).transpose(1, 2)


EXPORT_FORM = [False]


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.hd = heads, dim // heads
        self.qkv = FastLinear(dim, 3 * dim)
        self.proj = FastLinear(dim, dim)

    def forward(self, x):  # x [B, N, D]
        n, d = x.shape[1], x.shape[2]
        qkv = self.qkv(x).reshape(-1, n, 3, self.heads, self.hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]                                   # [B, H, N, hd]
        att = torch.softmax(torch.matmul(q, k.transpose(-2, -1)) * (self.hd ** -0.5), dim=-1)
        y = torch.matmul(att, v).permute(0, 2, 1, 3).reshape(-1, n, d)
        return self.proj(y)


class Block(nn.Module):
    def __init__(self, dim, heads, mlp):
        super().__init__()
        self.ln1, self.attn = nn.LayerNorm(dim), Attention(dim, heads)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(FastLinear(dim, mlp), nn.GELU(), FastLinear(mlp, dim))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class ViTS(nn.Module):
    def __init__(self, patch=16, dim=128, depth=4, heads=4, mlp=256):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, patch, patch)
        ntok = (CROP // patch) ** 2
        self.pos = nn.Parameter(torch.zeros(1, ntok, dim))
        nn.init.trunc_normal_(self.pos, std=0.02)
        self.blocks = nn.Sequential(*[Block(dim, heads, mlp) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, NUM_CLASSES)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2) + self.pos            # [B, 16, D]
        x = self.norm(self.blocks(x))
        return self.fc(x.mean(dim=1))


# name -> (constructor, epochs, optimiser settings, mixed training)
MODELS = {
    "resnet_narrow": (lambda: ResNetS(16), 8, dict(lr=3e-3, weight_decay=5e-4), False),
    "resnet_wide": (lambda: ResNetS(32), 8, dict(lr=3e-3, weight_decay=5e-4), False),
    "mobilenetv2": (lambda: MobileNetV2S(), 8, dict(lr=3e-3, weight_decay=5e-4), False),
    "vit": (lambda: ViTS(), 15, dict(lr=1e-3, weight_decay=0.05), False),
    "resnet_narrow_mix": (lambda: ResNetS(16), 8, dict(lr=3e-3, weight_decay=5e-4), True),
}
DESCRIPTION = {
    "resnet_narrow": "ResNet-style, width 16 (16/32/64), MaxPool(3,2,1) on 32x32",
    "resnet_wide": "ResNet-style, width 32 (32/64/128), MaxPool(3,2,1) on 32x32",
    "mobilenetv2": "MobileNetV2-style (inverted residuals, depthwise 3x3, ReLU6)",
    "vit": "ViT: 16x16 patches (4x4 = 16 tokens), dim 128, 4 blocks, 4 heads, MLP 256, GELU, mean-pooled tokens",
    "resnet_narrow_mix": "resnet_narrow architecture, mixed training (Algorithm 1)",
}


# --------------------------------------------------------------------------------------------- pipeline
def read_meta(data, split):
    items = []
    with open(os.path.join(data, f"{split}_meta.txt")) as f:
        for line in f:
            rel, label = line.split()
            items.append((os.path.join(data, rel), int(label)))
    return items


def reference_72(path):
    """Steps 1-2 of the reference pipeline: uint8 [72, 72, 3] RGB."""
    img = Image.open(path).convert("RGB")
    return np.asarray(img.resize((RESIZE, RESIZE), Image.BILINEAR))


def load_reference(items):
    arr = np.empty((len(items), RESIZE, RESIZE, 3), dtype=np.uint8)
    for i, (p, _) in enumerate(items):
        arr[i] = reference_72(p)
    return arr


def normalise(u8_nhwc_or_nchw, nchw=True):
    x = u8_nhwc_or_nchw.float().div_(255.0)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - mean) / std


def centre(u8):  # uint8 [N, 72, 72, 3] numpy -> float tensor [N, 3, 64, 64]
    t = torch.from_numpy(np.ascontiguousarray(u8[:, OFF:OFF + CROP, OFF:OFF + CROP])).permute(0, 3, 1, 2)
    return normalise(t)


# mixed training: decoders and resizes
DECODERS = ["pil", "libjpeg-ifast", "libjpeg-float", "libjpeg-islow-simple"]
DJPEG = {"libjpeg-ifast": ["-dct", "fast"], "libjpeg-float": ["-dct", "float"],
         "libjpeg-islow-simple": ["-dct", "int", "-nosmooth"]}
RESIZES = ["pillow-bilinear", "pillow-bicubic", "pillow-nearest", "opencv-linear", "opencv-area",
           "opencv-nearest", "opencv4.6-cubic"]


def djpeg(path, args):
    out = subprocess.run(["djpeg", *args, "-ppm", path], stdout=subprocess.PIPE, check=True).stdout
    parts = out.split(maxsplit=4)
    assert parts[0] == b"P6"
    w, h = int(parts[1]), int(parts[2])
    # the pixels are the last w*h*3 bytes (a split would also eat pixel bytes that look like whitespace)
    return np.frombuffer(out[len(out) - w * h * 3:], dtype=np.uint8).reshape(h, w, 3)


def resize_variant(rgb, name):
    import cv2
    if name.startswith("pillow-"):
        f = {"pillow-bilinear": Image.BILINEAR, "pillow-bicubic": Image.BICUBIC,
             "pillow-nearest": Image.NEAREST}[name]
        return np.asarray(Image.fromarray(rgb).resize((RESIZE, RESIZE), f))
    f = {"opencv-linear": cv2.INTER_LINEAR, "opencv-area": cv2.INTER_AREA, "opencv-nearest": cv2.INTER_NEAREST,
         "opencv4.6-cubic": cv2.INTER_CUBIC}[name]
    return cv2.resize(rgb, (RESIZE, RESIZE), interpolation=f)


class MixSource:
    def __init__(self, items):
        self.items = items
        t = time.time()
        self.decoded = {"pil": np.stack([np.asarray(Image.open(p).convert("RGB")) for p, _ in items])}
        for name, args in DJPEG.items():
            self.decoded[name] = np.stack([djpeg(p, args) for p, _ in items])
        diff = {k: float((v != self.decoded["pil"]).mean()) for k, v in self.decoded.items()}
        print(f"  mix: decoded {len(items)} images x {len(DECODERS)} decoders in {time.time() - t:.0f}s; "
              f"fraction of bytes differing from pil: {diff}", flush=True)

    def epoch(self, seed):
        rs = np.random.RandomState(seed)
        dec = rs.randint(len(DECODERS), size=len(self.items))
        rsz = rs.randint(len(RESIZES), size=len(self.items))
        out = np.empty((len(self.items), RESIZE, RESIZE, 3), dtype=np.uint8)
        for i in range(len(self.items)):
            out[i] = resize_variant(self.decoded[DECODERS[dec[i]]][i], RESIZES[rsz[i]])
        return out


class ShardMixSource:
    """Algorithm 1 from SysNoise's own variants: `sysnoise export --mix --stage resized --seed E` wrote, for epoch E,
    every training image through a seeded random (decoder, resize) pair as uint8 [N, 72, 72, 3] shards (exactly the
    C# kernels' bytes). Each epoch reads DIR/epoch<E mod count>, checked against the training items' order and labels."""

    def __init__(self, directory, items):
        self.dirs = sorted(d for d in glob.glob(os.path.join(directory, "epoch*")) if os.path.isdir(d))
        if not self.dirs:
            raise SystemExit(f"--mix-shards {directory}: no epoch*/ folders (run sysnoise export --mix --stage resized)")
        self.items = items

    def epoch(self, seed_or_epoch):
        d = self.dirs[seed_or_epoch % len(self.dirs)]
        import json
        with open(os.path.join(d, "choices.json")) as f:
            files = [os.path.basename(i["file"]) for i in json.load(f)["images"]]
        if files != [os.path.basename(p) for p, _ in self.items]:
            raise SystemExit(f"{d}: exported images do not match the training items (same --data and no --limit?)")
        shards = sorted(glob.glob(os.path.join(d, "shard-*.npy")))
        out = np.concatenate([np.load(s) for s in shards])
        labels = np.concatenate([np.load(s.replace("shard-", "labels-")) for s in shards])
        assert out.shape[1:] == (RESIZE, RESIZE, 3) and out.dtype == np.uint8, out.shape
        assert (labels == np.array([l for _, l in self.items])).all()
        return out


def augment_batch(u8, idx, gen):
    """u8: uint8 numpy [N, 72, 72, 3]; random 64x64 crop + horizontal flip per image."""
    offs = torch.randint(0, RESIZE - CROP + 1, (len(idx), 2), generator=gen)
    flips = torch.rand(len(idx), generator=gen) < 0.5
    batch = np.empty((len(idx), CROP, CROP, 3), dtype=np.uint8)
    for j, i in enumerate(idx.tolist()):
        oy, ox = int(offs[j, 0]), int(offs[j, 1])
        im = u8[i, oy:oy + CROP, ox:ox + CROP]
        batch[j] = im[:, ::-1] if flips[j] else im
    return normalise(torch.from_numpy(batch).permute(0, 3, 1, 2))


# ---------------------------------------------------------------------------------------------- training
def evaluate(model, x, labels, bs=500):
    model.eval()
    preds, logits = [], []
    with torch.no_grad():
        for s in range(0, len(x), bs):
            out = model(x[s:s + bs])
            logits.append(out)
            preds.append(out.argmax(1))
    p = torch.cat(preds)
    return float((p == labels).float().mean()), torch.cat(logits)


def state_hash(model):
    h = hashlib.sha256()
    for k, v in sorted(model.state_dict().items()):
        h.update(k.encode())
        h.update(v.detach().contiguous().numpy().tobytes())
    return h.hexdigest()


def train_one(name, args, train_items, train_u8, mix, test_x, test_y):
    ctor, epochs, opt_kw, mixed = MODELS[name]
    epochs = max(1, round(epochs * args.epochs_scale))
    EXPORT_FORM[0] = False
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    random.seed(args.seed)
    model = ctor()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), **opt_kw)
    labels = torch.tensor([l for _, l in train_items])
    n = len(train_items)
    steps_per_epoch = math.ceil(n / args.batch)
    total = epochs * steps_per_epoch
    warm = steps_per_epoch // 2
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / (total - warm))))
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.time()
    prep = 0.0
    for ep in range(epochs):
        model.train()
        if mixed:
            tp = time.time()
            src = mix.epoch(ep if isinstance(mix, ShardMixSource) else args.seed * 1000 + ep)
            prep += time.time() - tp
        else:
            src = train_u8
        perm = torch.randperm(n, generator=gen)
        loss_sum, correct = 0.0, 0
        for s in range(0, n, args.batch):
            idx = perm[s:s + args.batch]
            xb = augment_batch(src, idx, gen)
            yb = labels[idx]
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss) * len(idx)
            correct += int((out.argmax(1) == yb).sum())
        print(f"  {name} epoch {ep + 1}/{epochs}: loss {loss_sum / n:.4f} train acc {correct / n:.4f} "
              f"({time.time() - t0:.0f}s)", flush=True)
    train_s = time.time() - t0
    EXPORT_FORM[0] = True  # accuracies and reference logits from the graph that is exported
    acc, logits = evaluate(model, test_x, test_y)
    print(f"  {name}: test acc {acc:.4f} ({len(test_y)} images), {params} params, {train_s:.0f}s, "
          f"state sha256 {state_hash(model)[:16]}", flush=True)
    return model, dict(params=params, epochs=epochs, train_seconds=round(train_s, 1),
                       mix_prep_seconds=round(prep, 1), test_acc=round(acc, 4), test_images=len(test_y),
                       train_images=n, batch=args.batch, optimizer=f"AdamW {opt_kw}, 1/2 epoch warm-up, cosine",
                       seed=args.seed, threads=args.threads, state_sha256=state_hash(model)), logits


def ceil_mode_check(model, test_x, test_y):
    """Accuracy in torch with the ResNet's MaxPool flipped to ceil_mode=True (the system noise itself)."""
    pool = model.pool
    shapes = {}
    for cm in (False, True):
        pool.ceil_mode = cm
        shapes[cm] = tuple(pool(torch.zeros(1, 1, 32, 32)).shape[2:])
    pool.ceil_mode = True
    acc_ceil, _ = evaluate(model, test_x, test_y)
    pool.ceil_mode = False
    return shapes, acc_ceil


def export(model, path):
    model.eval()
    dummy = torch.zeros(1, 3, CROP, CROP)
    torch.onnx.export(model, dummy, path, opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, do_constant_folding=True)
    return os.path.getsize(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="artifacts/fashion")
    ap.add_argument("--out", default="models/fashion")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--epochs-scale", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N train images (smoke tests)")
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--mix-shards", default="", help="mixed training from `sysnoise export --mix --stage resized` epoch folders")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    names = args.models.split(",")
    for n in names:
        if n not in MODELS:
            sys.exit(f"unknown model {n}; known: {', '.join(MODELS)}")

    t = time.time()
    train_items = read_meta(args.data, "train")
    if args.limit:
        train_items = train_items[::max(1, len(train_items) // args.limit)][: args.limit]
    test_items = read_meta(args.data, "test")
    train_u8 = load_reference(train_items)
    test_u8 = load_reference(test_items)
    test_x = centre(test_u8)
    test_y = torch.tensor([l for _, l in test_items])
    print(f"data: {len(train_items)} train, {len(test_items)} test images through the reference pipeline "
          f"({time.time() - t:.0f}s)", flush=True)
    needs_mix = any(MODELS[n][3] for n in names)
    mix = (ShardMixSource(args.mix_shards, train_items) if args.mix_shards else MixSource(train_items)) if needs_mix else None

    os.makedirs(os.path.join(args.out, "reference"), exist_ok=True)
    res_path = os.path.join(args.out, "results.json")
    results = json.load(open(res_path)) if os.path.exists(res_path) else {}
    with open(os.path.join(args.out, "reference", "test200.txt"), "w") as f:
        for p, l in test_items[:200]:
            f.write(f"{os.path.relpath(p, args.data)} {l}\n")
    for name in names:
        model, info, logits = train_one(name, args, train_items, train_u8, mix, test_x, test_y)
        info["description"] = DESCRIPTION[name]
        if isinstance(model, ResNetS):
            shapes, acc_ceil = ceil_mode_check(model, test_x, test_y)
            info["maxpool_out_floor"], info["maxpool_out_ceil"] = shapes[False], shapes[True]
            info["test_acc_ceil_mode"] = round(acc_ceil, 4)
            print(f"  {name}: MaxPool on 32x32 -> floor {shapes[False]}, ceil {shapes[True]}; "
                  f"test acc with ceil_mode=True {acc_ceil:.4f}", flush=True)
        if not args.no_export:
            torch.save(model.state_dict(), os.path.join(args.out, f"{name}.pt"))
            info["onnx_bytes"] = export(model, os.path.join(args.out, f"{name}.onnx"))
            ref = logits[:200].numpy().astype(np.float32)
            np.save(os.path.join(args.out, "reference", f"{name}-test200.npy"), ref)
            info["test200_acc"] = round(float((ref.argmax(1) == test_y[:200].numpy()).mean()), 4)
            results = json.load(open(res_path)) if os.path.exists(res_path) else {}  # another run may have
            results[name] = info                                                      # added models meanwhile
            with open(res_path, "w") as f:
                json.dump(results, f, indent=2, sort_keys=True)
        print(json.dumps({name: info}), flush=True)


if __name__ == "__main__":
    main()
