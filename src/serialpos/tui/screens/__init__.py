"""Console screens, one flow per file."""
