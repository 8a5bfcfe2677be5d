"""Render General MIDI notes, chords and drum hits with fluidsynth + installed GM soundfonts."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import tempfile

import numpy as np
import soundfile as sf

from . import audio as A

SOUNDFONTS = [
    ("fluid-soundfont-gm", "/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    ("timgm6mb-soundfont", "/usr/share/sounds/sf2/TimGM6mb.sf2"),
]
# program (0-based) -> (name, article form, low note, high note, sustained?)
INSTRUMENTS = {
    0: "a piano",
    4: "an electric piano",
    6: "a harpsichord",
    8: "a celesta",
    9: "a glockenspiel",
    10: "a music box",
    11: "a vibraphone",
    12: "a marimba",
    13: "a xylophone",
    14: "tubular bells",
    19: "a church organ",
    21: "an accordion",
    22: "a harmonica",
    24: "an acoustic guitar",
    25: "a steel-string guitar",
    27: "an electric guitar",
    30: "a distorted electric guitar",
    32: "an acoustic bass",
    33: "an electric bass guitar",
    40: "a violin",
    41: "a viola",
    42: "a cello",
    43: "a double bass",
    45: "pizzicato strings",
    46: "a harp",
    47: "timpani",
    48: "a string ensemble",
    52: "a choir singing aah",
    56: "a trumpet",
    57: "a trombone",
    58: "a tuba",
    60: "a french horn",
    61: "a brass section",
    65: "an alto saxophone",
    66: "a tenor saxophone",
    68: "an oboe",
    70: "a bassoon",
    71: "a clarinet",
    72: "a piccolo",
    73: "a flute",
    74: "a recorder",
    75: "a pan flute",
    79: "an ocarina",
    80: "a square wave synth lead",
    81: "a sawtooth synth lead",
    88: "a warm synth pad",
    104: "a sitar",
    105: "a banjo",
    108: "a kalimba",
    109: "bagpipes",
    110: "a fiddle",
    114: "steel drums",
    116: "a taiko drum",
}
RANGES = {
    32: (28, 55),
    33: (28, 55),
    43: (28, 55),
    58: (34, 60),
    70: (34, 65),
    72: (72, 96),
    9: (72, 96),
    47: (40, 55),
    116: (36, 60),
    42: (36, 69),
    57: (40, 70),
}
SFX = {
    122: ("ocean waves on a seashore", 60),
    123: ("a bird tweeting", 72),
    124: ("a telephone ringing", 60),
    125: ("a helicopter", 60),
    126: ("applause", 60),
    127: ("a gunshot", 60),
}
DRUMS = {
    35: "a kick drum hit",
    36: "a kick drum hit",
    37: "a snare drum rimshot click",
    38: "a snare drum hit",
    39: "a hand clap",
    40: "an electric snare drum hit",
    41: "a low floor tom hit",
    42: "a closed hi-hat",
    44: "a hi-hat pedal",
    45: "a low tom hit",
    46: "an open hi-hat",
    48: "a high tom hit",
    49: "a crash cymbal",
    51: "a ride cymbal",
    52: "a china cymbal",
    53: "a ride cymbal bell",
    54: "a tambourine",
    55: "a splash cymbal",
    56: "a cowbell",
    57: "a crash cymbal",
    60: "a high bongo",
    61: "a low bongo",
    62: "a muted conga",
    63: "a conga drum",
    65: "a timbale",
    67: "a high agogo bell",
    69: "a cabasa shaker",
    70: "maracas",
    71: "a short whistle",
    72: "a long whistle",
    73: "a guiro scrape",
    75: "claves",
    76: "a wood block",
    80: "a muted triangle",
    81: "a triangle ringing",
}
NOTE_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
SLOT = 4.0  # seconds per event


def note_name(n):
    return f"{NOTE_NAMES[n % 12]}{n // 12 - 1}"


def _vlq(n):
    b = [n & 0x7F]
    n >>= 7
    while n:
        b.append((n & 0x7F) | 0x80)
        n >>= 7
    return bytes(reversed(b))


def write_midi(path, events, program, channel):
    """events: list of (start_s, dur_s, [notes], velocity)."""
    tps = 960  # ticks per second at 120 bpm, 480 ppq
    ev = []
    for st, du, notes, vel in events:
        for n in notes:
            ev.append((int(st * tps), 1, bytes([0x90 | channel, n, vel])))
            ev.append((int((st + du) * tps), 0, bytes([0x80 | channel, n, 0])))
    ev.sort(key=lambda e: (e[0], e[1]))
    trk = b"\x00\xff\x51\x03\x07\xa1\x20"
    if channel != 9:
        trk += b"\x00" + bytes([0xC0 | channel, program])
    t = 0
    for tick, _, msg in ev:
        trk += _vlq(tick - t) + msg
        t = tick
    trk += _vlq(int(SLOT * tps)) + b"\xff\x2f\x00"
    with open(path, "wb") as f:
        f.write(b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(trk)) + trk)


def plan():
    """Yield (key, program, channel, events-for-one-render, per-event captions)."""
    for prog, nm in INSTRUMENTS.items():
        lo, hi = RANGES.get(prog, (48, 79))
        notes = sorted(set(int(x) for x in np.linspace(lo, hi, 6)))
        evs, caps = [], []
        for i, n in enumerate(notes):
            vel = 100 if i % 2 == 0 else 55
            loud = "loudly" if vel == 100 else "softly"
            height = "low" if n < 55 else ("high" if n > 72 else "")
            evs.append((0, 1.6, [n], vel))
            caps.append(
                [
                    f"{nm} playing a single note",
                    f"{nm} playing a {height + ' ' if height else ''}note {note_name(n)} {loud}",
                    f"{nm.split(' ', 1)[-1]} note",
                ]
            )
        root = (lo + hi) // 2
        for q, iv in (("major", (0, 4, 7)), ("minor", (0, 3, 7))):
            if prog in (22, 72, 73, 74, 75, 79, 56, 57, 58, 60, 65, 66, 68, 70, 71, 109, 80, 81):
                continue  # monophonic instruments: no chords
            evs.append((0, 1.6, [root + k for k in iv], 90))
            caps.append(
                [
                    f"{nm} chord",
                    f"{nm} playing a {note_name(root)[:-1]} {q} chord",
                    f"a {q} chord on {nm.split(' ', 1)[-1]}",
                ]
            )
        yield f"prog{prog}", prog, 0, evs, caps
    for prog, (nm, n) in SFX.items():
        yield f"sfx{prog}", prog, 0, [(0, 3.0, [n], 100)], [[nm, f"{nm} sound effect"]]
    evs, caps = [], []
    for n, nm in DRUMS.items():
        for vel in (110, 60):
            evs.append((0, 0.5, [n], vel))
            caps.append([nm, f"{nm}, {'loud' if vel > 100 else 'soft'}", "a drum kit sound"])
    yield "drums", 0, 9, evs, caps


def render_stage(out, state, log):
    import shutil

    if not shutil.which("fluidsynth"):
        log("render: fluidsynth missing (apt-get install -y fluidsynth fluid-soundfont-gm); skipped")
        return
    fh = open(os.path.join(out, "work", "state.jsonl"), "a")
    n = 0
    for pkg, sf2 in SOUNDFONTS:
        if not os.path.exists(sf2):
            continue
        for key, prog, ch, evs, caps in plan():
            k0 = f"{pkg}:render/{key}/0"
            if k0 in state:
                continue
            timed = [(i * SLOT + 0.1, du, notes, vel) for i, (_, du, notes, vel) in enumerate(evs)]
            with tempfile.TemporaryDirectory() as td:
                mid, wav = os.path.join(td, "a.mid"), os.path.join(td, "a.wav")
                write_midi(mid, timed, prog, ch)
                subprocess.run(
                    ["fluidsynth", "-ni", "-q", "-g", "0.7", "-r", "44100", "-F", wav, sf2, mid],
                    capture_output=True,
                    timeout=300,
                )
                if not os.path.exists(wav):
                    continue
                y, sr = sf.read(wav, dtype="float32", always_2d=True)
            y = A.to_mono44k(y, sr)
            for i, cap in enumerate(caps):
                seg = y[int(i * SLOT * A.SR) : int((i + 1) * SLOT * A.SR)]
                seg = A.trim_silence(seg)
                rec = {
                    "key": f"{pkg}:render/{key}/{i}",
                    "package": pkg,
                    "path": f"render/{key}/{i}",
                    "clips": [],
                    "caption_override": {"kind": "instrument", "captions": cap},
                }
                if len(seg) >= A.MIN_LEN * A.SR:
                    y16 = A.to_int16(seg / max(1e-6, float(np.max(np.abs(seg)))) * 0.8)
                    cid = A.clip_hash(y16)
                    fp = os.path.join(out, "audio", cid + ".flac")
                    if not os.path.exists(fp):
                        A.write_flac(fp, y16)
                    rec["clips"].append({"id": cid, "duration": round(len(y16) / A.SR, 3), "chunk": 0})
                    n += 1
                state[rec["key"]] = rec
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    fh.close()
    log(f"render: {n} new clips")
