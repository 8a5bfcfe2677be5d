"""Helpers for scripts/build_corpus.py (clap-search training corpus builder)."""
