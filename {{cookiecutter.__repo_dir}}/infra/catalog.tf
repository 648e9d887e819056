# The job's catalog database. Its tables are in catalog_tables.tf.json, which `make package` writes from
# the contracts (kit/cli/catalog_tables.py --terraform): one aws_glue_catalog_table per output, so what
# Terraform creates is what `make schema-check` compares with.
resource "aws_glue_catalog_database" "job" {
  # Catalog names are lowercase, without '-'.
  name        = lower(replace(local.name, "-", "_"))
  description = "Tables written by the Glue job ${local.name}"
}
