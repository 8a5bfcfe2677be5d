"""The `clap-search` command line: thin Typer commands around the library."""
