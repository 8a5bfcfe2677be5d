"""Benchmark: text->audio mAP of a partly named library, by ranking mode (audio, hybrid, words).

From a corpus folder (manifest.jsonl + a labelled eval file, e.g. data/corpus and its
held-out eval_zeroshot.jsonl, whose packages the model never trained on) it builds a library in
three thirds, assigned round-robin within each label:
  named    - the file under its real asset path (`lincity-ng/sounds/ParklandPlane2.flac`)
  tagged   - a meaningless name (`ZOOM0042.WAV`) with the clip's description in an embedded tag
             (RIFF INFO, BWF bext, Vorbis comment or ID3, in turn)
  nameless - a meaningless name and nothing else
then indexes it and, for each label as the query, ranks the whole library and reports mAP over
all files and over the nameless third (relevant = files with that label).

    python scripts/bench_words.py --corpus data/corpus --eval eval_zeroshot.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import soundfile as sf

from clap_search.embed import Embedder
from clap_search.hostinfo import describe_machine
from clap_search.indexer.pipeline import index_folder
from clap_search.library import Library
from clap_search.query import search_text

THIRDS = ("named", "tagged", "nameless")
TAGS = ("info", "bext", "vorbis", "id3")


def asset_path(source_path: str) -> Path:
    """/usr/share/games/lincity-ng/sounds/Plane.wav -> lincity-ng/sounds/Plane (archives: the inner name)."""
    outer, _, inner = source_path.split("#")[0].partition("!")
    outer = re.sub(r"^/usr/(share|lib)/(games/)?|^.*/pypi/", "", outer)
    parts = [p for p in Path(outer).parts if p != "/"]
    if inner:  # the archive's name stands for a folder; the entry's own path follows
        parts = parts + [p for p in Path(inner).parts if p != "/"]
    stem = Path(parts[-1]).stem if parts else "clip"
    folders = parts[:1] + parts[1:-1][-3:]  # the package's folder and the nearest three
    chunk = source_path.split("#")[1] if "#" in source_path else ""
    return Path(*folders, stem + (f" {chunk}" if chunk else ""))


def _riff_chunk(cid: bytes, data: bytes) -> bytes:
    return cid + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")


def write_tagged(wave: np.ndarray, sr: int, path: Path, kind: str, description: str) -> Path:
    """The clip under a meaningless name, its description in one kind of embedded tag."""
    text = description.encode("utf-8")
    if kind in ("info", "bext"):
        path = path.with_suffix(".WAV")
        sf.write(path, wave, sr, subtype="PCM_16")
        extra = (_riff_chunk(b"LIST", b"INFO" + _riff_chunk(b"INAM", text + b"\0")) if kind == "info"
                 else _riff_chunk(b"bext", text[:255].ljust(256, b"\0") + b"\0" * 346))
        raw = path.read_bytes() + extra
        path.write_bytes(raw[:4] + struct.pack("<I", len(raw) - 8) + raw[8:])
    elif kind == "vorbis":
        import mutagen.flac

        path = path.with_suffix(".flac")
        sf.write(path, wave, sr)
        f = mutagen.flac.FLAC(path)
        f["DESCRIPTION"] = [description]
        f.save()
    else:
        import mutagen.id3
        import mutagen.mp3

        path = path.with_suffix(".mp3")
        sf.write(path, wave, sr, format="MP3")
        f = mutagen.mp3.MP3(path)
        if f.tags is None:
            f.add_tags()
        f.tags.add(mutagen.id3.TIT2(encoding=3, text=[description]))
        f.save()
    return path


def build(corpus: Path, eval_file: str, out: Path) -> dict[str, tuple[str, str]]:
    """Write the library folder; returns stored path -> (label, third)."""
    captions = {}
    for line in (corpus / "manifest.jsonl").read_text().splitlines():
        row = json.loads(line)
        captions[row["id"]] = row["caption"]
    rows = [json.loads(line) for line in (corpus / eval_file).read_text().splitlines()]
    seen: dict[str, int] = defaultdict(int)
    truth: dict[str, tuple[str, str]] = {}
    (out / "ZOOM_H6").mkdir(parents=True, exist_ok=True)
    for n, row in enumerate(rows):
        third = THIRDS[seen[row["label"]] % 3]
        seen[row["label"]] += 1
        wave, sr = sf.read(corpus / row["audio"], dtype="float32")
        if third == "named":
            path = out / asset_path(row["source_path"]).with_suffix(".flac")
            if path.exists():
                path = path.with_name(f"{path.stem} {n}.flac")
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(path, wave, sr)
        elif third == "tagged":
            description = captions.get(row["id"], row["label"])
            path = write_tagged(wave, sr, out / "ZOOM_H6" / f"ZOOM{n:04d}", TAGS[n % len(TAGS)], description)
        else:
            path = out / "ZOOM_H6" / f"ZOOM{n:04d}.WAV"
            sf.write(path, wave, sr, subtype="PCM_16")
        truth[str(path.resolve())] = (row["label"], third)
    return truth


def average_precision(ranked: list[str], relevant: set[str]) -> float:
    hits, total = 0, 0.0
    for i, path in enumerate(ranked, 1):
        if path in relevant:
            hits += 1
            total += hits / i
    return total / max(len(relevant), 1)


def evaluate(
    lib: Library, embedder: Embedder, truth: dict[str, tuple[str, str]], mode: str
) -> dict[str, float]:
    labels = sorted({label for label, _ in truth.values()})
    aps: dict[str, list[float]] = {"all": [], "nameless": [], "tagged": [], "named": []}
    for label in labels:
        ranked = [h.path for h in search_text(lib, embedder, label, k=len(truth), mode=mode)]
        for subset in aps:
            keep = [p for p in ranked if subset == "all" or truth.get(p, ("", ""))[1] == subset]
            relevant = {p for p, (lab, third) in truth.items() if lab == label and subset in ("all", third)}
            if relevant:
                aps[subset].append(average_precision(keep, relevant))
    return {k: float(np.mean(v)) for k, v in aps.items() if v}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--eval", default="eval_zeroshot.jsonl",
                    help="labelled clips (id, audio, label, source_path)")
    ap.add_argument("--model", default="default")
    ap.add_argument("--keep", type=Path, help="build the library folder here and keep it")
    args = ap.parse_args()
    print(f"machine: {describe_machine()}")
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_words_"))
    folder, lib_dir = work / "sounds", work / "library"
    saved = work / "truth.json"
    if saved.exists() and (work / "library").exists():  # --keep DIR from an earlier run: reuse it
        truth = {p: tuple(v) for p, v in json.loads(saved.read_text()).items()}
    else:
        truth = build(args.corpus, args.eval, folder)
        saved.write_text(json.dumps(truth))
    counts = {t: sum(1 for _, th in truth.values() if th == t) for t in THIRDS}
    n_labels = len({lab for lab, _ in truth.values()})
    print(f"library: {len(truth)} files {counts}, {n_labels} labels as queries")
    embedder = Embedder.load(args.model)
    lib = Library.open(lib_dir, create=True)
    t0 = time.perf_counter()
    summary = index_folder(lib, folder, embedder)
    print(f"indexed {summary.added} files ({summary.failed} failed) in {time.perf_counter() - t0:.1f} s, "
          f"of which the words stage {summary.words.seconds:.1f} s; {summary.words.with_words} files with "
          f"words, {summary.words.problems} with metadata problems")
    print(f"{'mode':8} {'mAP all':>8} {'named':>8} {'tagged':>8} {'nameless':>9}")
    for mode in ("audio", "hybrid", "words"):
        r = evaluate(lib, embedder, truth, mode)
        print(f"{mode:8} {r['all']:8.3f} {r['named']:8.3f} {r['tagged']:8.3f} {r['nameless']:9.3f}")
    from clap_search.training.adapt import adapt_library

    t0 = time.perf_counter()
    report = adapt_library(lib, embedder)
    print(f"adapt: {report.pairs} named files, {report.held_out} held out, their mAP "
          f"{report.before:.3f} -> {report.after:.3f}, {time.perf_counter() - t0:.1f} s")
    for mode in ("audio", "hybrid"):
        r = evaluate(lib, embedder, truth, mode)
        name = f"{mode}+ad"
        print(f"{name:8} {r['all']:8.3f} {r['named']:8.3f} {r['tagged']:8.3f} {r['nameless']:9.3f}")
    from clap_search.words.adapt import reset_layer

    reset_layer(lib, embedder)


if __name__ == "__main__":
    main()
