"""All IO lives here: readers and writers with explicit schemas, and storage operations."""
