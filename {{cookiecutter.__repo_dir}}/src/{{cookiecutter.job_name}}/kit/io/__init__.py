"""All of the kit's IO: readers, writers, the quarantine, the Glue Catalog and the sample-data files."""
