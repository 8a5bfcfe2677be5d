"""Reader for OpenClonk's c4group archives (openclonk-data's *.ocg / *.ocd / *.ocf / *.ocs files).

Layout (from OpenClonk's C4Group.cpp, see the project's DATA.md):
- the file on disk is gzip with the magic ``1e 8c`` instead of ``1f 8b``;
- inside, a 204-byte header scrambled with MemScramble: every byte XOR 0xED, then bytes 0 and 2 of
  each 3-byte group swapped (both steps are their own inverse and commute, so the same function
  unscrambles). The header starts with "RedWolf Design GrpFolder" and holds the entry count as a
  little-endian int32 at offset 36;
- then that many 316-byte entries: name[260] (NUL-terminated), int32 packed, int32 child_group,
  int32 size, int32 reserved, int32 offset, ... (offset is relative to the end of the entry table);
- then the entries' data. A child group's data is another group with its own scrambled header
  (stored uncompressed inside the outer gzip stream; a gzip-wrapped child is also accepted).
"""

from __future__ import annotations

import gzip
import struct
from collections.abc import Iterator

HEADER_SIZE = 204
ENTRY_SIZE = 316
MAGIC = b"RedWolf Design GrpFolder"
GZ_MAGIC = b"\x1e\x8c"
MAX_DEPTH = 8


class C4GroupError(ValueError):
    """The bytes are not a c4group archive (or it is truncated)."""


def scramble(buf: bytes) -> bytes:
    """OpenClonk's MemScramble; applying it twice gives the input back."""
    b = bytearray(x ^ 0xED for x in buf)
    for i in range(0, len(b) - 2, 3):
        b[i], b[i + 2] = b[i + 2], b[i]
    return bytes(b)


def _ungzip(data: bytes) -> bytes:
    if data[:2] == GZ_MAGIC:
        return gzip.decompress(b"\x1f\x8b" + data[2:])
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    return data


def read_group(data: bytes, prefix: str = "", depth: int = 0) -> Iterator[tuple[str, bytes]]:
    """Yield (member path, bytes) for every plain file in a group, descending into child groups."""
    if depth > MAX_DEPTH:
        raise C4GroupError("c4group nested too deeply")
    raw = _ungzip(data)
    if len(raw) < HEADER_SIZE:
        raise C4GroupError("c4group shorter than its header")
    head = scramble(raw[:HEADER_SIZE])
    if not head.startswith(MAGIC):
        raise C4GroupError("not a c4group (header id missing)")
    (count,) = struct.unpack_from("<i", head, 36)
    table_end = HEADER_SIZE + count * ENTRY_SIZE
    if count < 0 or table_end > len(raw):
        raise C4GroupError(f"c4group entry table out of range ({count} entries)")
    for i in range(count):
        e = raw[HEADER_SIZE + i * ENTRY_SIZE : HEADER_SIZE + (i + 1) * ENTRY_SIZE]
        name = e[:260].split(b"\0", 1)[0].decode("latin-1")
        _packed, child, size, _res, offset = struct.unpack_from("<iiiii", e, 260)
        start = table_end + offset
        if size < 0 or offset < 0 or start + size > len(raw):
            raise C4GroupError(f"c4group entry {name!r} out of range")
        body = raw[start : start + size]
        path = f"{prefix}{name}"
        if child:
            yield from read_group(body, path + "/", depth + 1)
        else:
            yield path, body


def read_c4group(path: str) -> list[tuple[str, bytes]]:
    """All plain files of a c4group file on disk, as (member path, bytes), in archive order."""
    with open(path, "rb") as f:
        return list(read_group(f.read()))


def build_group(files: dict[str, bytes | dict], gz: bool = True) -> bytes:
    """Write a c4group (for tests): values are bytes (a file) or a dict (a child group)."""
    entries, bodies, offset = [], [], 0
    for name, val in files.items():
        body = build_group(val, gz=False) if isinstance(val, dict) else val
        child = 1 if isinstance(val, dict) else 0
        e = name.encode("latin-1").ljust(260, b"\0") + struct.pack("<iiiii", 0, child, len(body), 0, offset)
        entries.append(e.ljust(ENTRY_SIZE, b"\0"))
        bodies.append(body)
        offset += len(body)
    head = bytearray(HEADER_SIZE)
    head[: len(MAGIC)] = MAGIC
    struct.pack_into("<iii", head, 28, 1, 2, len(entries))
    raw = scramble(bytes(head)) + b"".join(entries) + b"".join(bodies)
    if not gz:
        return raw
    z = gzip.compress(raw, mtime=0)
    return GZ_MAGIC + z[2:]
