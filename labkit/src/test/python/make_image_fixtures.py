"""Writes labkit/src/test/resources/fixtures/image/: small image files in the encodings students meet (16-bit
grey and RGB PNG, grey+alpha, palette with and without transparency, RGBA, 1-bit, CMYK JPEG, EXIF-rotated JPEG,
truncated JPEG and PNG) and decoded.json with what PIL makes of each: torchvision's loader
(Image.open(f).convert("RGB")), plus ImageOps.exif_transpose for the EXIF-rotated ones (labkit applies the
orientation, torchvision's default loader does not), or the error PIL raises.

Run from the repository root with Debian's python3-pil 9.4:
    /usr/bin/python3 labkit/src/test/python/make_image_fixtures.py
Pixels are listed row-major H×W×3.
"""
import io
import json
import os
import struct
import zlib

from PIL import Image, ImageFile, ImageOps

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "fixtures", "image")
os.makedirs(OUT, exist_ok=True)
W, H = 6, 4


def png_raw(path, width, height, colour_type, bit_depth, rows):
    """A PNG written by hand (PIL cannot write 16-bit RGB or grey+alpha): rows are lists of sample values."""
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    fmt = ">H" if bit_depth == 16 else ">B"
    raw = b"".join(b"\x00" + b"".join(struct.pack(fmt, v) for v in row) for row in rows)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw)))
        f.write(chunk(b"IEND", b""))


def pattern_rgb():
    """W×H RGB with distinct corners, so rotations and flips are told apart."""
    img = Image.new("RGB", (W, H))
    for y in range(H):
        for x in range(W):
            img.putpixel((x, y), ((x * 40 + 10) % 256, (y * 60 + 20) % 256, (x * y * 23 + 90) % 256))
    img.putpixel((0, 0), (255, 0, 0))
    img.putpixel((W - 1, 0), (0, 255, 0))
    img.putpixel((0, H - 1), (0, 0, 255))
    return img


def make():
    cases = []
    grey16 = [[0, 200, 25700, 65535, 255, 256], [1, 254, 1000, 300, 40000, 128],
              [7, 77, 777, 7777, 17, 170], [65000, 2, 3, 4, 5, 6]]
    png_raw(os.path.join(OUT, "grey16.png"), W, H, 0, 16, grey16)
    cases.append(("grey16.png", "16-bit grey PNG (PIL mode I: clipped to 0..255)"))

    rgb16 = [[((x * 9000 + y * 700) % 65536, (x * 300 + 255) % 65536, (65535 - x * 5000 - y * 3)) for x in range(W)]
             for y in range(H)]
    png_raw(os.path.join(OUT, "rgb16.png"), W, H, 2, 16, [[v for px in row for v in px] for row in rgb16])
    cases.append(("rgb16.png", "16-bit RGB PNG (PIL keeps the high byte)"))

    la = [[(100 + x * 20 + y, 255 - 40 * x) for x in range(W)] for y in range(H)]
    png_raw(os.path.join(OUT, "grey_alpha.png"), W, H, 4, 8, [[v for px in row for v in px] for row in la])
    cases.append(("grey_alpha.png", "8-bit grey + alpha PNG (alpha dropped, grey kept)"))

    la16 = [[(100 * 257 + x * 3000 + y, 65535 - 9000 * x) for x in range(W)] for y in range(H)]
    png_raw(os.path.join(OUT, "grey_alpha16.png"), W, H, 4, 16, [[v for px in row for v in px] for row in la16])
    cases.append(("grey_alpha16.png", "16-bit grey + alpha PNG"))

    pal = pattern_rgb().quantize(colors=8)
    pal.save(os.path.join(OUT, "palette.png"))
    cases.append(("palette.png", "palette PNG"))
    pal_t = pattern_rgb().quantize(colors=8)
    pal_t.info["transparency"] = 0
    pal_t.save(os.path.join(OUT, "palette_trns.png"), transparency=0)
    cases.append(("palette_trns.png", "palette PNG with a transparent colour (ignored by convert('RGB'))"))

    rgba = pattern_rgb().convert("RGBA")
    rgba.putalpha(Image.new("L", (W, H), 77))
    rgba.save(os.path.join(OUT, "rgba.png"))
    cases.append(("rgba.png", "RGBA PNG (alpha dropped, colours not premultiplied)"))

    bw = Image.new("1", (W, H))
    for y in range(H):
        for x in range(W):
            bw.putpixel((x, y), (x + y) % 2)
    bw.save(os.path.join(OUT, "bilevel.png"))
    cases.append(("bilevel.png", "1-bit PNG"))

    cmyk = Image.new("RGB", (16, 16), (200, 30, 30))
    for y in range(8):
        for x in range(8):
            cmyk.putpixel((x + 8, y + 8), (20, 90, 210))
    cmyk.convert("CMYK").save(os.path.join(OUT, "cmyk.jpg"), quality=95, subsampling=0)
    cases.append(("cmyk.jpg", "CMYK JPEG made by PIL (Adobe, inverted)"))
    with open(os.path.join(OUT, "cmyk.jpg"), "rb") as f:
        data = bytearray(f.read())
    app14 = data.find(b"\xff\xee\x00\x0eAdobe")
    assert app14 > 0, "PIL wrote no Adobe marker"
    # APP14: FFEE, length 14, "Adobe", version, flags0, flags1, transform (0 CMYK, 2 YCCK)
    ycck = bytearray(data)
    ycck[app14 + 15] = 2
    with open(os.path.join(OUT, "cmyk_ycck.jpg"), "wb") as f:
        f.write(ycck)
    cases.append(("cmyk_ycck.jpg", "4-channel JPEG marked YCCK (Adobe transform 2): libjpeg converts YCC first"))
    with open(os.path.join(OUT, "cmyk_no_adobe.jpg"), "wb") as f:
        f.write(data[:app14] + data[app14 + 16:])
    cases.append(("cmyk_no_adobe.jpg", "CMYK JPEG without an Adobe marker (PIL still assumes inverted CMYK)"))

    base = pattern_rgb().resize((W * 4, H * 4), Image.NEAREST)
    base.save(os.path.join(OUT, "plain.jpg"), quality=95, subsampling=0)
    cases.append(("plain.jpg", "RGB JPEG, no EXIF"))
    for orientation in (3, 6, 8):
        exif = Image.Exif()
        exif[0x0112] = orientation
        name = "exif_orientation_%d.jpg" % orientation
        base.save(os.path.join(OUT, name), quality=95, subsampling=0, exif=exif.tobytes())
        cases.append((name, "RGB JPEG with EXIF orientation %d (applied as ImageOps.exif_transpose)" % orientation))

    big = pattern_rgb().resize((64, 48), Image.BILINEAR)
    buf = io.BytesIO()
    big.save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    with open(os.path.join(OUT, "truncated.jpg"), "wb") as f:
        f.write(data[: len(data) // 2])
    cases.append(("truncated.jpg", "JPEG cut in half"))
    buf = io.BytesIO()
    big.save(buf, "PNG")
    data = buf.getvalue()
    with open(os.path.join(OUT, "truncated.png"), "wb") as f:
        f.write(data[: len(data) * 2 // 3])
    cases.append(("truncated.png", "PNG cut at two thirds"))

    out = []
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    for name, what in cases:
        entry = {"file": name, "what": what}
        try:
            with Image.open(os.path.join(OUT, name)) as im:
                entry["pilMode"] = im.mode
                im.load()
                im = ImageOps.exif_transpose(im)
                rgb = im.convert("RGB")
                entry["width"], entry["height"] = rgb.size
                entry["rgb"] = [v for px in rgb.getdata() for v in px]
        except Exception as e:  # the error PIL raises is the expected outcome
            entry["error"] = str(e)
        out.append(entry)
    with open(os.path.join(OUT, "decoded.json"), "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(e, separators=(",", ":")) for e in out) + "\n]\n")
    for e in out:
        print(e["file"], e.get("pilMode"), e.get("error", ""), e.get("rgb", [])[:9])


if __name__ == "__main__":
    make()
