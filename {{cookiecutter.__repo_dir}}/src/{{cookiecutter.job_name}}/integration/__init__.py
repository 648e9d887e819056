"""Adapters for this job's own sources and sinks: where each lives, read and written through the kit."""
