"""Minimal reader for Qt binary resource files (.rcc), used for gcompris-qt-data sounds."""

from __future__ import annotations

import struct
import zlib


def read_rcc(path: str):
    """Yield (resource_path, bytes) for every file in a Qt .rcc file."""
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:4] != b"qres":
        return
    version, tree_off, data_off, names_off = struct.unpack(">IIII", buf[4:20])
    esize = 14 if version == 1 else 22

    def name(off):
        n = struct.unpack(">H", buf[names_off + off : names_off + off + 2])[0]
        s = buf[names_off + off + 6 : names_off + off + 6 + 2 * n]
        return s.decode("utf-16-be", errors="replace")

    def walk(idx, prefix):
        base = tree_off + idx * esize
        name_off, flags = struct.unpack(">IH", buf[base : base + 6])
        nm = "" if idx == 0 else name(name_off)
        p = f"{prefix}/{nm}" if nm else prefix
        if flags & 0x02:
            count, first = struct.unpack(">II", buf[base + 6 : base + 14])
            for c in range(first, first + count):
                yield from walk(c, p)
        else:
            doff = struct.unpack(">I", buf[base + 10 : base + 14])[0]
            start = data_off + doff
            size = struct.unpack(">I", buf[start : start + 4])[0]
            data = buf[start + 4 : start + 4 + size]
            if flags & 0x01:
                data = zlib.decompress(data[4:])
            elif flags & 0x04:
                try:
                    import zstandard  # optional

                    data = zstandard.ZstdDecompressor().decompress(data)
                except Exception:
                    return
            yield p, data

    yield from walk(0, "")


if __name__ == "__main__":
    import sys

    for p, d in read_rcc(sys.argv[1]):
        print(len(d), p)
