"""`clap-search serve`: a FastAPI app with a JSON API, audio streaming and a search page."""
