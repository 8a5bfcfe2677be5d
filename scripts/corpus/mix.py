"""Two-clip mixes of train effect clips with joined captions (teaches composition)."""

from __future__ import annotations

import json
import os
import random

import numpy as np
import soundfile as sf

from . import audio as A

N_MIX = 500
KINDS = {"effect", "nature", "animal", "vocal", "instrument"}


def mix_stage(out, state, rows, log, n_mix=N_MIX):
    done = sum(1 for k in state if k.startswith("mix:"))
    if done >= n_mix:
        return
    pool = [
        x
        for x in rows
        if x["split"] == "train"
        and x["kind"] in KINDS
        and x["duration"] >= 1.0
        and x["source_package"] not in ("mix",)
    ]
    if len(pool) < 50:
        return
    rng = random.Random(1234 + done)
    fh = open(os.path.join(out, "work", "state.jsonl"), "a")
    made = 0
    tries = 0
    while done + made < n_mix and tries < n_mix * 5:
        tries += 1
        a, b = rng.sample(pool, 2)
        if a["caption"] == b["caption"] or a["kind"] == b["kind"] == "instrument":
            continue
        key = f"mix:mix/{a['id']}+{b['id']}"
        if key in state:
            continue
        ya, _ = sf.read(os.path.join(out, a["audio"]), dtype="float32")
        yb, _ = sf.read(os.path.join(out, b["audio"]), dtype="float32")
        ya = ya / max(1e-4, float(np.sqrt(np.mean(ya**2))))
        yb = yb / max(1e-4, float(np.sqrt(np.mean(yb**2)))) * 10 ** (rng.uniform(-8, -2) / 20)
        off = int(rng.uniform(0, max(0.0, min(len(ya) - len(yb), 2 * A.SR)))) if len(ya) > len(yb) else 0
        L = min(int(A.MAX_LEN * A.SR), max(len(ya), off + len(yb)))
        y = np.zeros(L, np.float32)
        y[: min(L, len(ya))] += ya[:L]
        seg = yb[: max(0, L - off)]
        y[off : off + len(seg)] += seg
        y = y / max(1e-6, float(np.max(np.abs(y)))) * 0.9
        y16 = A.to_int16(y)
        cid = A.clip_hash(y16)
        fp = os.path.join(out, "audio", cid + ".flac")
        if not os.path.exists(fp):
            A.write_flac(fp, y16)
        ca, cb = a["caption"], b["caption"]
        caps = [f"{ca} and {cb}", f"{ca}, with {cb} in the background", f"{cb} and {ca}"]
        rec = {
            "key": key,
            "package": "mix",
            "path": f"mix/{a['id']}+{b['id']}",
            "clips": [{"id": cid, "duration": round(L / A.SR, 3), "chunk": 0}],
            "caption_override": {"kind": "mix", "captions": caps},
        }
        state[key] = rec
        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        made += 1
    fh.close()
    log(f"mix: {made} new mixes")
