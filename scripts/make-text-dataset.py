#!/usr/bin/python3
"""Builds the text-detection bench set: real photographs and scans of text from Debian packages, as JPEG files.

usage: make-text-dataset.py [--out DIR] [--quality Q]

Run it with Debian's /usr/bin/python3 (Pillow 9.4 on libjpeg-turbo 2.1.5). Needs the apt packages opencv-doc and
python3-skimage (scripts/install-deps.sh installs both).

What it writes (default --out artifacts/text, --quality 90):

    OUT/<name>.jpg     one file per source image, flat (the bench reads a flat folder of JPEGs as one unlabelled set)
    OUT/README.txt     the sources and the settings

Sources:
    opencv-doc  /usr/share/doc/opencv-doc/examples/data/text_defocus.jpg, text_motion.jpg, licenseplate_motion.jpg
                (camera photographs of text, already JPEG 4:2:0: copied byte for byte), imageTextN.png, imageTextR.png
                (rendered text, palette PNGs)
    skimage     skimage/data/text.png (a photograph of painted text), skimage/data/page.png (a scanned book page)

PNG sources are converted to RGB with Pillow (convert("RGB")) and written as baseline JPEG at --quality with 4:2:0
chroma subsampling (Pillow's defaults besides the quality), so every file goes through a JPEG decoder and decoder noise
acts on all of them. The output is the same bytes on every run (Pillow's encoder is deterministic).
"""
import argparse
import os
import shutil
import sys

from PIL import Image

OPENCV = "/usr/share/doc/opencv-doc/examples/data"
SOURCES = [
    (OPENCV + "/text_defocus.jpg", "opencv_text_defocus"),
    (OPENCV + "/text_motion.jpg", "opencv_text_motion"),
    (OPENCV + "/licenseplate_motion.jpg", "opencv_licenseplate_motion"),
    (OPENCV + "/imageTextN.png", "opencv_imageTextN"),
    (OPENCV + "/imageTextR.png", "opencv_imageTextR"),
    ("skimage:text.png", "skimage_text"),
    ("skimage:page.png", "skimage_page"),
]


def skimage_data(name):
    try:
        import skimage.data  # noqa: F401  (only to find the data folder)
    except ImportError:
        sys.exit("make-text-dataset: python3-skimage is missing (apt-get install python3-skimage)")
    import skimage
    return os.path.join(os.path.dirname(skimage.__file__), "data", name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="artifacts/text")
    parser.add_argument("--quality", type=int, default=90)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    lines = []
    for source, name in SOURCES:
        path = skimage_data(source.split(":", 1)[1]) if source.startswith("skimage:") else source
        if not os.path.exists(path):
            sys.exit(f"make-text-dataset: {path} is missing (install opencv-doc and python3-skimage)")
        target = os.path.join(args.out, name + ".jpg")
        if path.lower().endswith((".jpg", ".jpeg")):
            shutil.copyfile(path, target)
            how = "copied"
        else:
            with Image.open(path) as im:
                im.convert("RGB").save(target, "JPEG", quality=args.quality, subsampling="4:2:0")
            how = f"RGB JPEG q{args.quality} 4:2:0"
        with Image.open(target) as im:
            lines.append(f"{name}.jpg  {im.size[0]}x{im.size[1]}  {how}  from {path}")
    with open(os.path.join(args.out, "README.txt"), "w") as f:
        f.write("Text-detection bench set built by scripts/make-text-dataset.py --out "
                f"{args.out} --quality {args.quality}\n\n" + "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
