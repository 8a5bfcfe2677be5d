"""Words from a file's path: folders and name split at separators, camelCase and digits."""

from __future__ import annotations

import os
import re

# Words that say nothing about the sound: recorder and take names, formats, editing states.
JUNK = frozenset(
    """a an the of and or in on at to with by for from into is are this that it its
    zoom tascam sony roland marantz sound devices h4n h5 h6 f8 dr zh mic mics rec recording
    take tk tr track trk audio sound sounds sfx fx file files untitled new final copy mix
    stereo mono st ms lr wav wave mp3 flac aif aiff ogg opus m4a bwf clip clips sample samples
    bounce export render edit edited master v ver version tmp temp home users user desktop
    documents downloads data misc unknown various other""".split()
)
_SPLIT = re.compile(r"[^\w]+|_+", re.UNICODE)
# aB -> a B; ABc -> A Bc; a1 -> a 1; 1a -> 1 a
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def split_words(text: str) -> list[str]:
    """'ANMLFarm_Cow moo-long03' -> ['anml', 'farm', 'cow', 'moo', 'long', '03']."""
    out = []
    for part in _SPLIT.split(text):
        out.extend(w.lower() for w in _CAMEL.split(part) if w)
    return out


def useful_words(words: list[str]) -> list[str]:
    """The words that could describe a sound: no digits-only, single letters or junk."""
    return [w for w in words if len(w) > 1 and not w.isdigit() and w not in JUNK]


def path_words(path: str, root: str | None = None, max_folders: int = 4) -> tuple[list[str], list[str]]:
    """(name words, folder words, nearest folder first) of `path`, folders taken below `root`.

    The root's own name counts (`~/SFX/Dogs` given to `index` says "dogs"); folders above it
    (home, user names) do not.
    """
    stem = os.path.splitext(os.path.basename(path))[0]
    folder = os.path.dirname(path)
    if root and (folder == root or folder.startswith(root.rstrip("/") + "/")):
        rel = os.path.relpath(folder, os.path.dirname(root.rstrip("/")) or "/")
        parts = [] if rel == "." else rel.split(os.sep)
    else:
        parts = [p for p in folder.split(os.sep) if p]
    folders = [w for part in reversed(parts[-max_folders:]) for w in split_words(part)]
    return split_words(stem), folders
