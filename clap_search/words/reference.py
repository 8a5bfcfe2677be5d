"""Everyday sound descriptions that anchor the word-score calibration in small libraries.

A library of ten named files cannot say what an unremarkable query-to-words similarity looks
like; these phrases (through the same text tower) can, and in a big library they are a small
share of the sample.
"""

from __future__ import annotations

import numpy as np

PHRASES = (
    "dog barking", "cat meowing", "cow mooing", "rooster crowing", "birds singing", "owl hooting",
    "horse galloping", "sheep bleating", "pig oinking", "duck quacking", "frog croaking",
    "insects buzzing", "rain falling", "thunder rumbling", "wind blowing", "ocean waves",
    "river flowing", "water dripping", "fire crackling", "footsteps on gravel", "footsteps on wood",
    "door slamming", "door creaking", "knocking on a door", "glass breaking", "metal clanging",
    "car engine starting", "car passing by", "car horn", "truck idling", "motorcycle revving",
    "train passing", "airplane flying over", "helicopter", "siren wailing", "alarm clock ringing",
    "telephone ringing", "church bells", "clock ticking", "keyboard typing", "mouse clicking",
    "paper rustling", "zipper", "cloth rustling", "applause", "crowd cheering", "people talking",
    "a man speaking", "a woman speaking", "a child laughing", "a baby crying", "coughing",
    "sneezing", "breathing", "snoring", "whistling", "eating crunchy food", "pouring water",
    "boiling water", "frying food", "dishes clattering", "vacuum cleaner", "washing machine",
    "hair dryer", "toilet flushing", "shower running", "sawing wood", "hammering a nail", "drilling",
    "chainsaw", "lawn mower", "gunshot", "explosion", "sword clash", "punch", "whoosh", "laser",
    "magic spell", "robot", "monster growl", "user interface beep", "notification chime",
    "piano chord", "guitar strum", "drum hit", "violin note", "trumpet fanfare", "synth pad",
    "electronic music", "orchestral music", "forest ambience", "city traffic ambience",
    "office ambience", "restaurant ambience", "wind chimes", "bubbles", "splash", "squeak",
)

_CACHE: dict[str, np.ndarray] = {}


def reference_vectors(embedder) -> np.ndarray:  # noqa: ANN001 - an Embedder (kept import-light)
    """The phrases through this model's text tower, once per process and model."""
    key = f"{embedder.identity.name}:{embedder.identity.version}"
    if key not in _CACHE:
        _CACHE[key] = embedder.embed_texts(list(PHRASES))
    return _CACHE[key]
