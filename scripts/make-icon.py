#!/usr/bin/env python3
"""Draws the window icon, gui/assets/icon.png: a keyhole (only the customer's key opens the answer)
on a violet rounded square. Python's standard library only: run it again after changing a shape.

Usage: scripts/make-icon.py [OUT]   (default: gui/assets/icon.png)
"""
import struct
import sys
import zlib
from pathlib import Path

SIZE = 256
SAMPLES = 4  # per pixel and axis, for smooth edges
BACKGROUND_TOP = (112, 72, 184)
BACKGROUND_BOTTOM = (58, 34, 110)
KEYHOLE = (250, 236, 204)


def inside_square(x, y):
    """The rounded square, 8 px in from the edges, corners of radius 48."""
    low, high, radius = 8.0, SIZE - 8.0, 48.0
    cx = min(max(x, low + radius), high - radius)
    cy = min(max(y, low + radius), high - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def inside_keyhole(x, y):
    """A circle over a stem that widens downwards."""
    if (x - 128.0) ** 2 + (y - 100.0) ** 2 <= 42.0**2:
        return True
    top, bottom = 118.0, 204.0
    if not top <= y <= bottom:
        return False
    half_width = 16.0 + (y - top) / (bottom - top) * 18.0
    return abs(x - 128.0) <= half_width


def pixel(px, py):
    square = keyhole = 0
    for i in range(SAMPLES):
        for j in range(SAMPLES):
            x = px + (i + 0.5) / SAMPLES
            y = py + (j + 0.5) / SAMPLES
            if inside_square(x, y):
                square += 1
                keyhole += inside_keyhole(x, y)
    if square == 0:
        return (0, 0, 0, 0)
    t = py / (SIZE - 1)
    background = [round(a + (b - a) * t) for a, b in zip(BACKGROUND_TOP, BACKGROUND_BOTTOM)]
    share = keyhole / square
    rgb = [round(b + (k - b) * share) for b, k in zip(background, KEYHOLE)]
    return (*rgb, round(255 * square / SAMPLES**2))


def png(width, height, rows):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(value for rgba in row for value in rgba) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent.parent / "gui/assets/icon.png")
    rows = [[pixel(x, y) for x in range(SIZE)] for y in range(SIZE)]
    out.write_bytes(png(SIZE, SIZE, rows))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
