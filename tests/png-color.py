#!/usr/bin/env python3
# png-color.py FILE RRGGBB [ROWS]: how many pixels of FILE (a PNG as
# Chromium's --screenshot writes it: 8 bits per channel, RGB or RGBA, not
# interlaced) have the color RRGGBB exactly, in its first ROWS rows (all by
# default).  For tests/html.sh: is the failure's color on screen.
import struct
import sys
import zlib


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def rows(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("%s: not a PNG" % path)
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    if depth != 8 or color not in (2, 6) or interlace:
        sys.exit("%s: not 8-bit RGB(A), not interlaced" % path)
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + a) & 0xff
            elif kind == 2:
                line[x] = (line[x] + b) & 0xff
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xff
            elif kind == 4:
                line[x] = (line[x] + paeth(a, b, c)) & 0xff
        yield bpp, line
        prev = line


def main():
    path, hexcolor = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else None
    want = bytes.fromhex(hexcolor)
    count = 0
    for y, (bpp, line) in enumerate(rows(path)):
        if limit is not None and y >= limit:
            break
        for x in range(0, len(line), bpp):
            if line[x:x + 3] == want:
                count += 1
    print(count)


main()
