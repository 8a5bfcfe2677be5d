"""The indexer: scan -> decode -> embed -> write, one small stage per module."""
