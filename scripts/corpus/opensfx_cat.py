"""Reader for OpenTTD's sound catalogue (openttd-opensfx's ``opensfx.cat``).

Layout (see the project's DATA.md): a table of little-endian (uint32 offset, uint32 size) pairs, the
number of pairs being the first offset / 8 (bit 31 of an offset is a flag, "the WAV header gives the
sample rate", and is masked off); each entry at its offset is a 1-byte name length, the name
(for OpenSFX a whole sentence describing the sound, NUL-terminated), then a RIFF WAV file. The size
covers the name and the WAV together; the WAV is cut at its own RIFF length when that is shorter.
"""

from __future__ import annotations

import struct

OFFSET_MASK = 0x7FFFFFFF


class CatError(ValueError):
    """The bytes are not an OpenTTD .cat sound catalogue."""


def read_cat_bytes(buf: bytes) -> list[tuple[int, str, bytes]]:
    """[(index, description, wav bytes)] in catalogue order; entries without a WAV are left out."""
    if len(buf) < 8:
        raise CatError("catalogue shorter than one table entry")
    first = struct.unpack_from("<I", buf, 0)[0] & OFFSET_MASK
    n = first // 8
    if first % 8 or n == 0 or first > len(buf):
        raise CatError("not a .cat catalogue (bad first offset)")
    out = []
    for i in range(n):
        off, size = struct.unpack_from("<II", buf, 8 * i)
        off &= OFFSET_MASK
        if off + size > len(buf) or size < 1:
            raise CatError(f"entry {i} out of range")
        ent = buf[off : off + size]
        ln = ent[0]
        name = ent[1 : 1 + ln].split(b"\0", 1)[0].decode("latin-1").strip()
        wav = ent[1 + ln :]
        if wav[:4] != b"RIFF":  # OpenSFX's "Unused/Nothing" placeholder is an empty entry
            continue
        riff_len = struct.unpack_from("<I", wav, 4)[0] + 8
        out.append((i, name, wav[: min(len(wav), riff_len)]))
    return out


def read_cat(path: str) -> list[tuple[int, str, bytes]]:
    with open(path, "rb") as f:
        return read_cat_bytes(f.read())


def build_cat(items: list[tuple[str, bytes]]) -> bytes:
    """Write a catalogue (for tests)."""
    bodies = []
    for name, wav in items:
        nb = name.encode("latin-1") + b"\0"
        bodies.append(bytes([len(nb)]) + nb + wav)
    off = 8 * len(items)
    table, data = b"", b""
    for b in bodies:
        table += struct.pack("<II", (off + len(data)) | 0x80000000, len(b))
        data += b
    return table + data
