"""Words about files: embedded metadata, path words and UCS names, and the hybrid ranker over them."""
