"""Contrastive training and evaluation of clap-search models (not imported by the engine)."""
