"""The two towers of a CLAP model: audio (convolutional) and text (BERT)."""
