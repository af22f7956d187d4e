"""COCOeval (iouType bbox) from pycocotools, when it is importable, on pairs of COCO JSON files.

Usage: pycocotools_eval.py GT1.json DT1.json [GT2.json DT2.json ...]
Prints one JSON line per pair: stats, precision, recall and scores as float.hex strings (bit-exact comparison),
or a single line {"unavailable": "..."} when pycocotools cannot be imported (it is not packaged by Debian 12).
"""
import contextlib
import io
import json
import sys

try:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
except ImportError as e:  # not in Debian: the test that uses this skips
    print(json.dumps({"unavailable": str(e)}))
    sys.exit(0)


def hexes(a):
    return [float(v).hex() for v in a.reshape(-1)]


args = sys.argv[1:]
for gt_path, dt_path in zip(args[0::2], args[1::2]):
    with contextlib.redirect_stdout(io.StringIO()) as log:
        gt = COCO(gt_path)
        with open(dt_path) as f:
            dets = json.load(f)
        # loadRes fails on an empty list (it reads anns[0]); evaluate nothing detected as an empty COCO result then.
        dt = gt.loadRes(dt_path) if dets else gt.loadRes([{"image_id": gt.getImgIds()[0], "category_id": -12345, "bbox": [0, 0, 1, 1], "score": 0}])
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    lines = [l for l in log.getvalue().splitlines() if l.startswith(" Average")]
    print(json.dumps({
        "stats": hexes(ev.stats),
        "lines": lines,
        "precision": hexes(ev.eval["precision"]),
        "recall": hexes(ev.eval["recall"]),
        "scores": hexes(ev.eval["scores"]),
        "shape": list(ev.eval["precision"].shape),
    }))
