"""Repository tools (not installed with the package)."""
