#!/usr/bin/python3
"""Oracle for PaddleOCR's text-detector pipeline, computed with the libraries PaddleOCR calls.

usage: paddle_det.py JOBS.json OUT.json

The steps follow PaddleOCR (ppocr/data/imaug/operators.py DetResizeForTest + NormalizeImage, ppocr/postprocess/
db_postprocess.py DBPostProcess with box_type 'quad', tools/infer/predict_det.py filter_tag_det_res) with the same
calls and dtypes: cv2 4.6 (Debian) for imdecode/resize/findContours/minAreaRect/boxPoints/fillPoly/mean/dilate,
shapely (GEOS) for the polygon area and length, pyclipper 1.2.1 (Clipper 6.4.2) for the round offset, NumPy 1.24.

JOBS.json keys (each optional):
  "offset":     [{"path": [[x, y], ...], "delta": d}]      -> pyclipper JT_ROUND/ET_CLOSEDPOLYGON Execute(d)
  "geos":       [[[x, y] x4], ...] (float32 corners)       -> shapely Polygon area and length
  "preprocess": [{"image": JPEG, "out": NPY, "limit": 960}] -> CHW float32 model input written to NPY
  "db":         [{"map": NPY (H x W float32), "src_h", "src_w", "thresh", "box_thresh", "max_candidates",
                  "unclip_ratio", "score_mode", "use_dilation"}] -> boxes (int, clockwise) and scores
"""
import json
import sys

import cv2
import numpy as np
import pyclipper
from shapely.geometry import Polygon


def offset(job):
    o = pyclipper.PyclipperOffset()
    o.AddPath(job["path"], pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    return [[[int(v) for v in p] for p in path] for path in o.Execute(job["delta"])]


def geos(corners):
    poly = Polygon(np.array(corners, dtype=np.float32))
    return {"area": poly.area, "length": poly.length}


def preprocess(job):
    img = cv2.imdecode(np.fromfile(job["image"], dtype=np.uint8), cv2.IMREAD_COLOR)  # BGR, as cv2.imread
    h, w = img.shape[:2]
    if h + w < 64:
        pad = np.zeros((max(32, h), max(32, w), 3), np.uint8)
        pad[:h, :w] = img
        img = pad
        h, w = img.shape[:2]
    limit = job.get("limit", 960)
    ratio = (float(limit) / h if h > w else float(limit) / w) if max(h, w) > limit else 1.0
    rh, rw = int(h * ratio), int(w * ratio)
    if max(rh, rw) > 4000:
        r = 4000.0 / max(rh, rw)
        rh, rw = int(rh * r), int(rw * r)
    rh = max(int(round(rh / 32) * 32), 32)
    rw = max(int(round(rw / 32) * 32), 32)
    img = cv2.resize(img, (rw, rh))
    scale = np.float32(1.0 / 255.0)
    mean = np.array([0.485, 0.456, 0.406]).reshape((1, 1, 3)).astype("float32")
    std = np.array([0.229, 0.224, 0.225]).reshape((1, 1, 3)).astype("float32")
    x = (img.astype("float32") * scale - mean) / std
    np.save(job["out"], np.ascontiguousarray(x.transpose((2, 0, 1))))
    return {"height": rh, "width": rw}


def mini_box(points):
    rect = cv2.minAreaRect(points)
    pts = sorted(list(cv2.boxPoints(rect)), key=lambda p: p[0])
    i1, i4 = (0, 1) if pts[1][1] > pts[0][1] else (1, 0)
    i2, i3 = (2, 3) if pts[3][1] > pts[2][1] else (3, 2)
    return [pts[i1], pts[i2], pts[i3], pts[i4]], min(rect[1])


def masked_mean(pred, xmin, xmax, ymin, ymax, poly):
    mask = np.zeros((ymax - ymin + 1, xmax - xmin + 1), dtype=np.uint8)
    cv2.fillPoly(mask, poly.reshape(1, -1, 2).astype(np.int32), 1)
    return cv2.mean(pred[ymin:ymax + 1, xmin:xmax + 1], mask)[0]


def score_fast(pred, box):
    h, w = pred.shape
    box = box.copy()
    xmin = np.clip(np.floor(box[:, 0].min()).astype(int), 0, w - 1)
    xmax = np.clip(np.ceil(box[:, 0].max()).astype(int), 0, w - 1)
    ymin = np.clip(np.floor(box[:, 1].min()).astype(int), 0, h - 1)
    ymax = np.clip(np.ceil(box[:, 1].max()).astype(int), 0, h - 1)
    box[:, 0] = box[:, 0] - xmin
    box[:, 1] = box[:, 1] - ymin
    return masked_mean(pred, xmin, xmax, ymin, ymax, box)


def score_slow(pred, contour):
    h, w = pred.shape
    c = np.reshape(contour.copy(), (-1, 2))
    xmin = np.clip(np.min(c[:, 0]), 0, w - 1)
    xmax = np.clip(np.max(c[:, 0]), 0, w - 1)
    ymin = np.clip(np.min(c[:, 1]), 0, h - 1)
    ymax = np.clip(np.max(c[:, 1]), 0, h - 1)
    c[:, 0] = c[:, 0] - xmin
    c[:, 1] = c[:, 1] - ymin
    return masked_mean(pred, xmin, xmax, ymin, ymax, c)


def unclip(box, ratio):
    poly = Polygon(box)
    distance = poly.area * ratio / poly.length
    o = pyclipper.PyclipperOffset()
    o.AddPath(box, pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    return np.array(o.Execute(distance))


def clockwise(pts):
    rect = np.zeros((4, 2), dtype="float32")
    s = pts.sum(axis=1)
    rect[0] = pts[np.argmin(s)]
    rect[2] = pts[np.argmax(s)]
    rest = np.delete(pts, (np.argmin(s), np.argmax(s)), axis=0)
    d = np.diff(np.array(rest), axis=1)
    rect[1] = rest[np.argmin(d)]
    rect[3] = rest[np.argmax(d)]
    return rect


def db(job):
    pred = np.load(job["map"]).astype(np.float32)
    height, width = pred.shape
    segmentation = pred > job["thresh"]
    if job["use_dilation"]:
        mask = cv2.dilate(np.array(segmentation).astype(np.uint8), np.array([[1, 1], [1, 1]]))
    else:
        mask = segmentation
    # DetResizeForTest's shape_list is a float64 array; PaddleOCR unpacks src_h, src_w from it.
    shape = np.array([job["src_h"], job["src_w"], 1.0, 1.0])
    dest_height, dest_width = shape[0], shape[1]
    contours, _ = cv2.findContours((mask * 255).astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    boxes, scores = [], []
    for contour in contours[:job["max_candidates"]]:
        points, sside = mini_box(contour)
        if sside < 3:
            continue
        points = np.array(points)
        score = score_fast(pred, points.reshape(-1, 2)) if job["score_mode"] == "fast" else score_slow(pred, contour)
        if job["box_thresh"] > score:
            continue
        box = unclip(points, job["unclip_ratio"]).reshape(-1, 1, 2)
        box, sside = mini_box(box)
        if sside < 3 + 2:
            continue
        box = np.array(box)
        box[:, 0] = np.clip(np.round(box[:, 0] / width * dest_width), 0, dest_width)
        box[:, 1] = np.clip(np.round(box[:, 1] / height * dest_height), 0, dest_height)
        boxes.append(box.astype(np.int16))
        scores.append(score)
    # filter_tag_det_res (tools/infer/predict_det.py)
    out = []
    src_h, src_w = job["src_h"], job["src_w"]
    for box, score in zip(boxes, scores):
        box = clockwise(box)
        for p in range(box.shape[0]):
            box[p, 0] = int(min(max(box[p, 0], 0), src_w - 1))
            box[p, 1] = int(min(max(box[p, 1], 0), src_h - 1))
        if int(np.linalg.norm(box[0] - box[1])) <= 3 or int(np.linalg.norm(box[0] - box[3])) <= 3:
            continue
        out.append({"quad": [int(v) for v in box.reshape(-1)], "score": float(score)})
    return {"boxes": out, "bitmap_sum": int(np.count_nonzero(mask)), "contours": len(contours)}


def main():
    jobs = json.load(open(sys.argv[1]))
    result = {
        "offset": [offset(j) for j in jobs.get("offset", [])],
        "geos": [geos(c) for c in jobs.get("geos", [])],
        "preprocess": [preprocess(j) for j in jobs.get("preprocess", [])],
        "db": [db(j) for j in jobs.get("db", [])],
    }
    json.dump(result, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
