"""Stage helper: what a file says about itself — tags (mutagen), BWF/iXML/INFO chunks, UCS name, path.

Reading never raises for a bad file: each problem (a lying chunk size, a 50 MB `bext`, binary
junk in a frame, a tag library crash) leaves that metadata out and is recorded as a reason.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from clap_search.words.pathwords import path_words, split_words, useful_words
from clap_search.words.riff import read_riff
from clap_search.words.ucs import parse_ucs

FIELDS = ("title", "description", "comment", "keywords", "category", "genre")
MAX_FIELD = 1000
MAX_ID3 = 16 << 20  # an ID3 tag declaring more is skipped before mutagen reads it into memory
MAX_SENTENCE_WORDS = 40
# Tag keys (ID3 frame ids, Vorbis/APE/MP4 names, upper-cased) -> our fields
_KEYS = {
    "TIT2": "title", "TITLE": "title", "©NAM": "title", "FXNAME": "title",
    "TIT3": "description", "DESCRIPTION": "description", "DESC": "description", "SUBJECT": "description",
    "COMM": "comment", "COMMENT": "comment", "©CMT": "comment", "NOTE": "comment",
    "KEYWORDS": "keywords", "KEYW": "keywords", "TAGS": "keywords",
    # genres are searchable words but kept out of the text tower's input: encoders leave "Blues"
    # (ID3v1 genre 0) in files that never chose one
    "TCON": "genre", "GENRE": "genre", "©GEN": "genre", "CATEGORY": "category",
    "SUBCATEGORY": "category", "TIT1": "category", "GROUPING": "category",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Words:
    """One file's words: fields for display, `text` for FTS5, `sentence` for the text tower."""

    fields: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    sentence: str = ""
    useful: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        return "; ".join(self.problems)[:500] if self.problems else None

    def fields_json(self) -> str:
        return json.dumps(self.fields, ensure_ascii=False)


def clean_text(value: object) -> str | None:
    """Printable text of a tag value, or None when it is empty or mostly binary junk."""
    if isinstance(value, bytes):
        raw = value.split(b"\0", 1)[0] if value.count(b"\0") > len(value) // 2 else value.rstrip(b"\0")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")  # BWF and INFO are nominally ASCII; cp1252 is common
    else:
        text = str(value)
    text = text.replace("\0", " ").strip()
    if not text:
        return None
    bad = len(_CONTROL.findall(text)) + sum(unicodedata.category(c) in ("Co", "Cn", "Cs") for c in text)
    if bad > 0.1 * len(text):
        raise ValueError("binary junk")
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text[:MAX_FIELD] or None


def _tag_key(key: str) -> str | None:
    k = key.upper()
    if "ITUN" in k:  # iTunNORM, iTunSMPB...: encoder numbers stored as comments
        return None
    if k.startswith("TXXX:"):
        k = k[5:]
    elif k.startswith("COMM"):
        k = "COMM"
    elif k.startswith("----:"):  # MP4 freeform atoms: ----:com.apple.iTunes:KEYWORDS
        k = k.rsplit(":", 1)[-1]
    return _KEYS.get(k)


def _values(value: object) -> list[object]:
    text = getattr(value, "text", None)  # ID3 frames keep their strings in .text
    if text is not None:
        value = text
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _id3_too_big(path: str) -> bool:
    with open(path, "rb") as f:
        head = f.read(10)
    if len(head) < 10 or head[:3] != b"ID3":
        return False
    size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F)
    return size > MAX_ID3


def _mutagen_fields(path: str, words: Words) -> dict[str, list[object]]:
    import mutagen

    found: dict[str, list[object]] = {}
    try:
        too_big = _id3_too_big(path)
    except OSError as exc:  # the name and folder words are still kept
        words.problems.append(f"tags unreadable ({exc.strerror or exc})")
        return found
    if too_big:
        words.problems.append(f"ID3 tag over {MAX_ID3 >> 20} MB skipped")
        return found
    try:
        audio = mutagen.File(path)
        tags = getattr(audio, "tags", None)
        items = list(tags.items()) if tags is not None else []
    except Exception as exc:  # noqa: BLE001 - any tag-library failure is one missing tag set
        words.problems.append(f"tags unreadable ({type(exc).__name__}: {str(exc)[:120]})")
        return found
    for key, value in items:
        name = _tag_key(str(key))
        if name:
            found.setdefault(name, []).extend(_values(value))
    return found


def _collect(path: str, words: Words) -> dict[str, list[str]]:
    raw = _mutagen_fields(path, words)
    if path.lower().endswith((".wav", ".wave", ".bwf", ".rf64")) and os.path.isfile(path):
        try:
            riff = read_riff(path)
            words.problems.extend(riff.problems)
            for name, values in riff.fields.items():
                raw.setdefault(name, []).extend(values)
        except OSError as exc:
            words.problems.append(f"chunks unreadable ({exc.strerror or exc})")
    out: dict[str, list[str]] = {}
    for name, values in raw.items():
        for value in values:
            try:
                text = clean_text(value)
            except ValueError:
                words.problems.append(f"{name}: binary junk ignored")
                continue
            if text and text not in out.get(name, []):
                out.setdefault(name, []).append(text)
    return out


def _descriptive(value: str) -> bool:
    """Mostly real words (not a take number, a hex dump or a date)."""
    words = split_words(value)
    good = [w for w in words if w.isalpha() and len(w) > 1]
    return bool(good) and len(good) >= len(words) / 2


def read_words(path: str, root: str | None = None, display_path: str | None = None) -> Words:
    """Everything `path` says about itself; `display_path` (the stored key) names folders and file."""
    words = Words()
    tags = _collect(path, words)
    name, folders = path_words(display_path or path, root)
    stem = os.path.splitext(os.path.basename(display_path or path))[0]
    ucs = parse_ucs(stem)
    fields: dict[str, Any] = {k: " ; ".join(tags[k]) for k in FIELDS if k in tags}
    if "cat_id" in tags and ucs is None:
        ucs = parse_ucs(tags["cat_id"][0] + "_x")
    if ucs is not None:
        fields["ucs"] = ucs.to_json()
    fields["name"], fields["folders"] = name, folders
    words.fields = fields
    described = [fields[k] for k in ("title", "description", "keywords", "category", "comment")
                 if k in fields and _descriptive(fields[k])]
    ucs_words = [ucs.category, ucs.subcategory, ucs.fx_name] if ucs else []
    all_words = split_words(" ".join(described + ucs_words)) + name + folders
    searchable = [fields[k] for k in FIELDS if k in fields]
    words.text = " ".join(searchable + ucs_words + name + folders)
    words.useful = bool(useful_words(all_words))
    # What the text tower reads: written descriptions first, then the useful path words.
    head = " ".join(described[:3] + [w for w in ucs_words if w])
    seen = set(split_words(head))
    tail = [w for w in useful_words(name + folders) if not (w in seen or seen.add(w))]
    words.sentence = " ".join((head.split() + tail)[:MAX_SENTENCE_WORDS]) if words.useful else ""
    return words
