"""torchvision 0.14 eval transform oracle: for each image, writes <out>/<basename>.raw (float32 C x H x W) of
Compose([Resize(R), CenterCrop(C), ToTensor(), Normalize(mean, std)]) on Image.open(f).convert('RGB').

usage: torchvision_preprocess.py OUT_DIR RESIZE CROP FILE...
"""
import os
import sys

import torch
from PIL import Image
from torchvision import transforms

torch.set_num_threads(1)
out, resize, crop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t = transforms.Compose([
    transforms.Resize(resize, interpolation=transforms.InterpolationMode.BILINEAR),
    transforms.CenterCrop(crop),
    transforms.ToTensor(),
    transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
])
for path in sys.argv[4:]:
    with Image.open(path) as im:
        x = t(im.convert("RGB"))
    x.numpy().astype("<f4").tofile(os.path.join(out, os.path.basename(path) + ".raw"))
    print(os.path.basename(path), *x.shape)
