"""Command-line tools of the kit: python -m <package>.kit.cli.<tool> --help."""
