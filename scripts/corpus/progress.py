"""Timestamped progress lines for the corpus build (stdout, flushed)."""

import time


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)
