"""One module per command; each parses, calls the library and renders."""
