"""A small RIFF/WAVE chunk reader for BWF `bext`, iXML and LIST/INFO, with strict size bounds.

mutagen reads ID3 inside WAV but not these chunks. Every size field is checked against the
file before anything is read, chunks over `MAX_CHUNK` are skipped (a 50 MB `bext` is a
mistake or an attack, not a description), and every problem comes back as a sentence.
"""

from __future__ import annotations

import os
import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import BinaryIO

MAX_CHUNK = 1 << 20
MAX_CHUNKS = 4096
WANTED = (b"bext", b"iXML", b"LIST")
# iXML elements that describe the sound (the iXML spec, plus Soundminer / BWF MetaEdit USER fields)
IXML_FIELDS = {
    "NOTE": "comment", "DESCRIPTION": "description", "FXNAME": "title", "TITLE": "title",
    "CATEGORY": "category", "SUBCATEGORY": "category", "KEYWORDS": "keywords",
    "SCENE": "comment", "TRACK_NAME": "comment", "CATID": "cat_id",
}
INFO_FIELDS = {b"INAM": "title", b"ICMT": "comment", b"ISBJ": "description", b"IKEY": "keywords",
               b"IGNR": "category", b"ISRC": "comment"}


@dataclass
class RiffWords:
    """Raw text found in the chunks (field -> values) and the problems met on the way."""

    fields: dict[str, list[bytes | str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, name: str, value: bytes | str) -> None:
        self.fields.setdefault(name, []).append(value)


def read_riff(path: str | os.PathLike[str]) -> RiffWords:
    """bext description, iXML and LIST/INFO text of a RIFF/RF64 WAVE file; empty for other files."""
    out = RiffWords()
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64", b"BW64") or head[8:12] != b"WAVE":
            return out
        for cid, data in _chunks(f, size, out.problems):
            if cid == b"bext":
                _bext(data, out)
            elif cid == b"iXML":
                _ixml(data, out)
            elif cid == b"LIST" and data[:4] == b"INFO":
                _info(data[4:], out)
    return out


def _chunks(f: BinaryIO, file_size: int, problems: list[str]):  # noqa: ANN202 - a generator
    pos = 12
    for _ in range(MAX_CHUNKS):
        if pos + 8 > file_size:
            return
        f.seek(pos)
        header = f.read(8)
        cid, size = header[:4], struct.unpack("<I", header[4:])[0]
        name = cid.decode("latin-1")
        if pos + 8 + size > file_size:
            if cid in WANTED:
                problems.append(f"{name!r} chunk claims {size} bytes, past the end of the file")
            return  # a lying size: nothing after it can be trusted
        if cid in WANTED:
            if size > MAX_CHUNK:
                problems.append(f"{name!r} chunk of {size} bytes skipped (limit {MAX_CHUNK})")
            else:
                yield cid, f.read(size)
        pos += 8 + size + (size & 1)
    problems.append(f"more than {MAX_CHUNKS} chunks: the rest were not read")


def _bext(data: bytes, out: RiffWords) -> None:
    if len(data) < 256:
        out.problems.append(f"'bext' chunk of {len(data)} bytes is shorter than its 256-byte description")
    out.add("description", data[:256])


def _info(data: bytes, out: RiffWords) -> None:
    pos = 0
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if pos + 8 + size > len(data):
            out.problems.append(f"INFO entry {cid.decode('latin-1')!r} claims {size} bytes past its list")
            return
        if cid in INFO_FIELDS:
            out.add(INFO_FIELDS[cid], data[pos + 8 : pos + 8 + size])
        pos += 8 + size + (size & 1)


def _ixml(data: bytes, out: RiffWords) -> None:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        out.problems.append("iXML with a DOCTYPE or entities ignored")
        return
    try:
        root = ET.fromstring(data.rstrip(b"\0 \r\n\t"))
    except ET.ParseError as exc:
        out.problems.append(f"iXML is not well-formed XML ({exc})")
        return
    for el in root.iter():
        name = IXML_FIELDS.get(str(el.tag).upper())
        if name and el.text and el.text.strip():
            out.add(name, el.text)
