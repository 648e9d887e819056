"""Entry points: each job module holds its config, its pipeline and ``main``."""
