"""Deterministic hash fractions in [0, 1] for speech sampling, val splits and hold-out order."""

import hashlib


def hfrac(s: str) -> float:
    return int(hashlib.md5(s.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
