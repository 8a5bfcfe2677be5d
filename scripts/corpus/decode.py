"""Decode stage: every source audio item -> <=10 s FLAC clips in audio/, progress in work/state.jsonl."""

from __future__ import annotations

import json
import os
import sys
import time

from . import audio as A
from .captions import caption_for
from .progress import log
from .sources import EVAL_ONLY, SPEECH_SAMPLE, iter_sources, package_files
from .stable_hash import hfrac


def load_state(path):
    st = {}
    if os.path.exists(path):
        with open(path) as fh:
            for ln in fh:
                try:
                    r = json.loads(ln)
                    st[r["key"]] = r
                except Exception:
                    pass
    return st


def decode_stage(out, packages, state, max_clips, ovos_wheel=None):
    os.makedirs(os.path.join(out, "audio"), exist_ok=True)
    spath = os.path.join(out, "work", "state.jsonl")
    fh = open(spath, "a")
    n_clips = sum(len(r.get("clips", [])) for r in state.values())
    missing = []
    for pkg in packages:
        files = package_files(pkg) if pkg != EVAL_ONLY else ([ovos_wheel] if ovos_wheel else None)
        if files is None:
            missing.append(pkg)
            print(
                f"ERROR: package {pkg} not installed: run "
                f"'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends {pkg}' "
                f"(or scripts/install_corpus_packages.sh)",
                file=sys.stderr,
            )
            continue
        t0, new = time.time(), 0
        for path, loader, meta in iter_sources(pkg, files):
            key = f"{pkg}:{path}"
            if key in state and not (
                state[key].get("skip") == "no caption"
                and pkg != EVAL_ONLY
                and caption_for(pkg, path) is not None
            ):
                continue
            if max_clips and n_clips >= max_clips:
                break
            rec = {"key": key, "package": pkg, "path": path, "clips": []}
            if meta:
                rec["meta"] = meta
            cap = caption_for(pkg, path) if pkg != EVAL_ONLY else {"kind": "animal", "captions": ["x"]}
            if cap is None:
                rec["skip"] = "no caption"
            elif (
                cap["kind"] == "speech"
                and pkg in SPEECH_SAMPLE
                and not (
                    hfrac(path) < 1.0 / SPEECH_SAMPLE[pkg]
                    or (pkg == "tuxpaint-stamps-default" and cap.get("lang") == "English")
                )
            ):
                rec["skip"] = "speech sample"
            else:
                try:
                    n_chunks = 1 if cap["kind"] == "speech" else cap.get("windows", A.MAX_CHUNKS)
                    clips = A.process(loader(), path, max_chunks=n_chunks)
                except Exception as e:  # noqa: BLE001
                    clips, rec["skip"] = [], f"decode: {str(e)[:120]}"
                for y16, ci in clips:
                    cid = A.clip_hash(y16)
                    fp = os.path.join(out, "audio", cid + ".flac")
                    if not os.path.exists(fp):
                        A.write_flac(fp, y16)
                    rec["clips"].append({"id": cid, "duration": round(len(y16) / A.SR, 3), "chunk": ci,
                                         "fp": A.fingerprint(y16)})
                if not clips and "skip" not in rec:
                    rec["skip"] = "silent/short"
            state[key] = rec
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n_clips += len(rec["clips"])
            new += 1
            if new % 500 == 0:
                fh.flush()
                log(f"  {pkg}: {new} sources, total clips {n_clips}")
        fh.flush()
        log(f"{pkg}: {new} new sources in {time.time() - t0:.0f}s (total clips {n_clips})")
    fh.close()
    return missing
