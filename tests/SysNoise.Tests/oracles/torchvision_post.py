"""Post-processing oracle: torchvision 0.14 / torch 1.13 (Debian) and NumPy float64 references, every case of a run in one
process.  usage: torchvision_post.py TASK DIR   (TASK: nms, batched, iou, coder, decode, sort)

All case data are concatenated arrays plus per-case lengths (see each task); results are written back the same way.
  nms      boxes.npy (sum N x 4 f4), scores.npy (f4), lens.npy (i8), iou.npy (f8)  -> keep.npy (i8), keep_lens.npy (i8)
  batched  + classes.npy (i8)                                                      -> keep.npy, keep_lens.npy, paths.npy
  iou      a.npy, b.npy (f4), lens.npy (C x 2: N, M)                               -> out.npy (f4, row-major N x M per case)
  coder    anchors.npy (sum N x 4 f4), deltas.npy (sum N*K x 4 f4), meta.npy (C x 5 i8: N, K, clip_w, clip_h, has_clip),
           params.npy (C x 5 f8: wx, wy, ww, wh, clamp)                            -> out.npy (sum N*K x 4 f4)
           torchvision.models.detection._utils.BoxCoder(weights, clamp).decode_single, then ops.clip_boxes_to_image.
  decode   as coder, with meta C x 7 (N, K, clip_w, clip_h, has_clip, convention, offset) and params C x 13
           (wx, wy, ww, wh, mx, my, mw, mh, sx, sy, sw, sh, clamp): each convention's formula as the library writes it,
           once with torch float32 tensors (-> out32.npy) and once in NumPy float64 (-> out64.npy, float64).
  sort     x.npy (f4), lens.npy -> unstable.npy, stable.npy (i8): torch.sort(descending=True[, stable=True]) indices.
  exp      x.npy (f4) -> y.npy (f4): torch.exp on one contiguous float32 tensor.
"""
import sys

import numpy as np
import torch
import torchvision
from torchvision.models.detection._utils import BoxCoder

CONVENTIONS = ["paper", "detectron", "mmdet1", "mmdet2-legacy", "mmdet2", "torchvision"]


def split(array, lens):
    out, at = [], 0
    for n in lens:
        out.append(array[at:at + n])
        at += n
    return out


def save_lists(d, name, parts, dtype):
    lens = np.array([len(p) for p in parts], dtype=np.int64)
    flat = np.concatenate([np.asarray(p, dtype=dtype).reshape(-1) for p in parts]) if parts else np.zeros(0, dtype)
    np.save(f"{d}/{name}.npy", flat)
    np.save(f"{d}/{name}_lens.npy", lens)


def task_nms(d, batched):
    boxes = np.load(f"{d}/boxes.npy")
    scores = np.load(f"{d}/scores.npy")
    lens = np.load(f"{d}/lens.npy")
    ious = np.load(f"{d}/iou.npy")
    classes = np.load(f"{d}/classes.npy") if batched else None
    keeps, paths = [], []
    for c, (b, s) in enumerate(zip(split(boxes, lens), split(scores, lens))):
        bt, st = torch.from_numpy(b.copy()), torch.from_numpy(s.copy())
        if batched:
            it = torch.from_numpy(split(classes, lens)[c].copy())
            keeps.append(torchvision.ops.batched_nms(bt, st, it, float(ious[c])).numpy())
            paths.append(1 if bt.numel() > 4000 else 0)
        else:
            keeps.append(torchvision.ops.nms(bt, st, float(ious[c])).numpy())
    save_lists(d, "keep", keeps, np.int64)
    if batched:
        np.save(f"{d}/paths.npy", np.array(paths, dtype=np.int64))


def task_iou(d):
    a, b, lens = np.load(f"{d}/a.npy"), np.load(f"{d}/b.npy"), np.load(f"{d}/lens.npy")
    parts = []
    for pa, pb in zip(split(a, lens[:, 0]), split(b, lens[:, 1])):
        parts.append(torchvision.ops.box_iou(torch.from_numpy(pa.copy()), torch.from_numpy(pb.copy())).numpy().reshape(-1))
    np.save(f"{d}/out.npy", np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32))


def task_coder(d):
    anchors, deltas = np.load(f"{d}/anchors.npy"), np.load(f"{d}/deltas.npy")
    meta, params = np.load(f"{d}/meta.npy"), np.load(f"{d}/params.npy")
    a_parts = split(anchors, meta[:, 0])
    d_parts = split(deltas, meta[:, 0] * meta[:, 1])
    out = []
    for c in range(len(meta)):
        n, k, cw, ch, has_clip = (int(v) for v in meta[c])
        wx, wy, ww, wh, clamp = (float(v) for v in params[c])
        coder = BoxCoder((wx, wy, ww, wh), bbox_xform_clip=clamp)
        rel = torch.from_numpy(d_parts[c].reshape(n, 4 * k).copy())
        boxes = coder.decode_single(rel, torch.from_numpy(a_parts[c].copy()))
        if has_clip:
            boxes = torchvision.ops.clip_boxes_to_image(boxes, (ch, cw))
        out.append(boxes.numpy().reshape(-1, 4))
    np.save(f"{d}/out.npy", np.concatenate(out).astype(np.float32) if out else np.zeros((0, 4), np.float32))


class Torch32:
    """torch float32 tensor ops (scalars become float32 operands, as in the libraries)."""
    @staticmethod
    def array(x):
        return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))

    @staticmethod
    def vector(values):
        return torch.tensor(values, dtype=torch.float32)

    exp = staticmethod(torch.exp)

    @staticmethod
    def clamp(x, lo, hi):
        return torch.clamp(x, min=lo, max=hi)


class Numpy64:
    """NumPy float64: the reference the float64 arithmetic must match within 1 ulp of float32."""
    @staticmethod
    def array(x):
        return np.asarray(x, dtype=np.float64)

    @staticmethod
    def vector(values):
        return np.asarray(values, dtype=np.float64)

    exp = staticmethod(np.exp)

    @staticmethod
    def clamp(x, lo, hi):
        if lo is not None:
            x = np.maximum(x, lo)
        if hi is not None:
            x = np.minimum(x, hi)
        return x


def decode_formula(xp, conv, offset, anchors, deltas, k, weights, means, stds, clamp, clip):
    """Each library's delta2bbox in its own operation order (corner family: torchvision/Detectron/the paper;
    mid-point family: mmdet); deltas are N x 4K."""
    a = xp.array(anchors)
    dl = xp.array(deltas)
    if conv in ("paper", "mmdet1", "mmdet2-legacy", "mmdet2"):
        dl = dl * xp.vector(list(stds) * k)[None, :] + xp.vector(list(means) * k)[None, :]
    dx, dy, dw, dh = dl[:, 0::4], dl[:, 1::4], dl[:, 2::4], dl[:, 3::4]
    if conv in ("paper", "detectron", "torchvision"):
        wx, wy, ww, wh = weights
        dx, dy, dw, dh = dx / wx, dy / wy, dw / ww, dh / wh
        dw, dh = xp.clamp(dw, None, clamp), xp.clamp(dh, None, clamp)
        widths = a[:, 2] - a[:, 0]
        heights = a[:, 3] - a[:, 1]
        if offset:
            widths = widths + float(offset)
            heights = heights + float(offset)
        ctr_x = a[:, 0] + 0.5 * widths
        ctr_y = a[:, 1] + 0.5 * heights
        pcx = dx * widths[:, None] + ctr_x[:, None]
        pcy = dy * heights[:, None] + ctr_y[:, None]
        pw = xp.exp(dw) * widths[:, None]
        ph = xp.exp(dh) * heights[:, None]
        x1, y1 = pcx - 0.5 * pw, pcy - 0.5 * ph
        x2, y2 = pcx + 0.5 * pw, pcy + 0.5 * ph
        if offset:
            x2, y2 = x2 - float(offset), y2 - float(offset)
    else:
        dw, dh = xp.clamp(dw, -clamp, clamp), xp.clamp(dh, -clamp, clamp)
        px = ((a[:, 0] + a[:, 2]) * 0.5)[:, None]
        py = ((a[:, 1] + a[:, 3]) * 0.5)[:, None]
        pw = a[:, 2] - a[:, 0]
        ph = a[:, 3] - a[:, 1]
        if offset:
            pw, ph = pw + 1.0, ph + 1.0
        pw, ph = pw[:, None], ph[:, None]
        gw, gh = pw * xp.exp(dw), ph * xp.exp(dh)
        gx, gy = px + pw * dx, py + ph * dy
        x1, y1 = gx - gw * 0.5, gy - gh * 0.5
        x2, y2 = gx + gw * 0.5, gy + gh * 0.5
        if conv == "mmdet1":
            x1, y1 = x1 + 0.5, y1 + 0.5
            x2, y2 = x2 - 0.5, y2 - 0.5
    if clip is not None:
        mx, my = clip
        x1, x2 = xp.clamp(x1, 0.0, mx), xp.clamp(x2, 0.0, mx)
        y1, y2 = xp.clamp(y1, 0.0, my), xp.clamp(y2, 0.0, my)
    n = a.shape[0]
    parts = [np.asarray(v).reshape(n, k, 1) for v in (x1, y1, x2, y2)]
    return np.concatenate(parts, axis=2).reshape(-1, 4)


def task_decode(d):
    anchors, deltas = np.load(f"{d}/anchors.npy"), np.load(f"{d}/deltas.npy")
    meta, params = np.load(f"{d}/meta.npy"), np.load(f"{d}/params.npy")
    a_parts = split(anchors, meta[:, 0])
    d_parts = split(deltas, meta[:, 0] * meta[:, 1])
    out32, out64 = [], []
    for c in range(len(meta)):
        n, k, cw, ch, has_clip, conv_id, offset = (int(v) for v in meta[c])
        p = [float(v) for v in params[c]]
        conv = CONVENTIONS[conv_id]
        clip_offset = offset if conv == "paper" else (1 if conv in ("detectron", "mmdet1", "mmdet2-legacy") else 0)
        clip = (float(cw - clip_offset), float(ch - clip_offset)) if has_clip else None
        dl = d_parts[c].reshape(n, 4 * k)
        args = (conv, offset, a_parts[c], dl, k, p[0:4], p[4:8], p[8:12], p[12], clip)
        out32.append(decode_formula(Torch32, *args).astype(np.float32))
        out64.append(decode_formula(Numpy64, *args).astype(np.float64))
    np.save(f"{d}/out32.npy", np.concatenate(out32) if out32 else np.zeros((0, 4), np.float32))
    np.save(f"{d}/out64.npy", np.concatenate(out64) if out64 else np.zeros((0, 4), np.float64))


def task_sort(d):
    x, lens = np.load(f"{d}/x.npy"), np.load(f"{d}/lens.npy")
    unstable, stable = [], []
    for part in split(x, lens):
        t = torch.from_numpy(part.copy())
        unstable.append(t.sort(descending=True)[1].numpy())
        stable.append(t.sort(descending=True, stable=True)[1].numpy())
    np.save(f"{d}/unstable.npy", np.concatenate(unstable) if unstable else np.zeros(0, np.int64))
    np.save(f"{d}/stable.npy", np.concatenate(stable) if stable else np.zeros(0, np.int64))


def task_exp(d):
    np.save(f"{d}/y.npy", torch.from_numpy(np.load(f"{d}/x.npy")).exp().numpy())


def main():
    torch.set_num_threads(1)
    task, d = sys.argv[1], sys.argv[2]
    if task == "nms":
        task_nms(d, batched=False)
    elif task == "batched":
        task_nms(d, batched=True)
    elif task == "iou":
        task_iou(d)
    elif task == "coder":
        task_coder(d)
    elif task == "decode":
        task_decode(d)
    elif task == "sort":
        task_sort(d)
    elif task == "exp":
        task_exp(d)
    else:
        raise SystemExit(f"unknown task {task}")
    print(f"torch {torch.__version__} torchvision {torchvision.__version__}")


main()
