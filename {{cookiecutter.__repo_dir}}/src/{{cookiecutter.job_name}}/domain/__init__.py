"""Pure ``DataFrame -> DataFrame`` transforms: no IO, no Glue imports, no config."""
