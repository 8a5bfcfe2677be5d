"""clap-search: index a sound library with a CLAP model and search it by text or by sound."""

__version__ = "0.1.0"
