"""GPU peer timings for docs/performance.md (issue 7 §3), run on the GPU machine with its own PyTorch.

    python3 scripts/gpu/peers.py --corpus DIR [--json OUT.json]

Times, with CUDA events (median of repeated runs after warm-up):
  * resize: torch.nn.functional.interpolate, float32 NCHW, 500x375 and 1920x1080 -> 224x224, per image and batched;
  * JPEG decode: nvJPEG through torchvision.io.decode_jpeg(device='cuda'), one file at a time and as a batch, in MP/s;
  * ResNet-50 (torchvision, random weights) at batch 256: eager fp32 (TF32 off and on) and fp16, images/s.
"""
import argparse
import glob
import json
import os
import statistics
import sys


def cuda_median_ms(torch, fn, warmup=5, repeat=30):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--json")
    args = parser.parse_args()

    import torch
    import torch.nn.functional as F
    import torchvision
    from torchvision.io import decode_jpeg

    dev = torch.device("cuda")
    result = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "torchvision": torchvision.__version__, "cases": []}

    def add(**case):
        result["cases"].append(case)
        print(json.dumps(case), flush=True)

    gen = torch.Generator(device="cpu").manual_seed(7)
    for (w, h) in [(500, 375), (1920, 1080)]:
        for batch in [1, 64]:
            x = (torch.rand(batch, 3, h, w, generator=gen) * 255).to(dev)
            for mode in ["nearest", "bilinear", "bicubic"]:
                for aa in ([False, True] if mode != "nearest" else [False]):
                    kw = {} if mode == "nearest" else {"align_corners": False, "antialias": aa}
                    ms = cuda_median_ms(torch, lambda: F.interpolate(x, size=(224, 224), mode=mode, **kw))
                    add(work="resize", peer="torch.nn.functional.interpolate", mode=mode, antialias=aa, src=f"{w}x{h}", batch=batch,
                        ms=ms, images_per_s=batch / ms * 1e3, input_mp_per_s=batch * w * h / ms / 1e3)

    files = sorted(glob.glob(os.path.join(args.corpus, "*.jpg")))
    datas = [torchvision.io.read_file(f) for f in files]
    ok = []
    for f, d in zip(files, datas):
        try:
            img = decode_jpeg(d, device="cuda")
            ok.append((d, img.shape[-1] * img.shape[-2]))
        except Exception as e:  # nvJPEG refuses some layouts (e.g. 4:1:1, arithmetic); counted, not timed
            pass
    pixels = sum(p for _, p in ok)
    one = cuda_median_ms(torch, lambda: [decode_jpeg(d, device="cuda") for d, _ in ok], warmup=2, repeat=10)
    add(work="decode", peer="nvJPEG via torchvision.io.decode_jpeg(device='cuda')", files=len(ok), refused=len(files) - len(ok),
        megapixels=pixels / 1e6, ms=one, mp_per_s=pixels / one / 1e3, batched=False)
    try:
        lst = [d for d, _ in ok]
        batched = cuda_median_ms(torch, lambda: decode_jpeg(lst, device="cuda"), warmup=2, repeat=10)
        add(work="decode", peer="nvJPEG via torchvision.io.decode_jpeg(list, device='cuda')", files=len(ok), megapixels=pixels / 1e6,
            ms=batched, mp_per_s=pixels / batched / 1e3, batched=True)
    except Exception as e:
        add(work="decode", peer="nvJPEG batched", error=str(e))

    model = torchvision.models.resnet50().eval().to(dev)
    x = torch.randn(256, 3, 224, 224, generator=gen).to(dev)
    with torch.no_grad():
        for name, tf32, half in [("fp32 (TF32 off)", False, False), ("fp32 (TF32 on, PyTorch's cudnn default)", True, False), ("fp16", False, True)]:
            torch.backends.cuda.matmul.allow_tf32 = tf32
            torch.backends.cudnn.allow_tf32 = tf32
            torch.backends.cudnn.benchmark = True
            m = model.half() if half else model.float()
            inp = x.half() if half else x
            ms = cuda_median_ms(torch, lambda: m(inp), warmup=3, repeat=10)
            add(work="resnet50", peer="PyTorch eager " + name, batch=256, ms=ms, images_per_s=256 / ms * 1e3)

    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
