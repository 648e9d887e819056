data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  job_name = "{{ cookiecutter.job_name }}"
  # The deployed job: <job>-<environment>, the name the AWS E2E looks for (kit/testing/aws_e2e.py).
  name = "${local.job_name}-${var.environment}"
  # Bucket names allow no '_', and must be unique across AWS: the account id makes them so.
  bucket_stem = "${replace(local.name, "_", "-")}-${data.aws_caller_identity.current.account_id}"
  account_id  = data.aws_caller_identity.current.account_id
  partition   = data.aws_partition.current.partition

  tags = {
    owner       = var.owner
    job         = local.job_name
    environment = var.environment
  }

  # What `make package` built (kit/deploy.py): the script, the wheels and the job's arguments as templates.
  manifest = jsondecode(file("${var.dist_dir}/manifest.json"))

  # One bucket per role; a role named in var.existing_buckets uses that bucket instead.
  bucket_roles = ["artifacts", "raw", "curated", "quarantine", "temp"]
  created_buckets = {
    for role in local.bucket_roles : role => "${local.bucket_stem}-${role}" if !contains(keys(var.existing_buckets), role)
  }
  buckets = merge(local.created_buckets, var.existing_buckets)
  # Buckets whose objects are the data itself (kept in versions, to undo a bad run).
  versioned_roles = ["raw", "curated", "quarantine"]

  # --8<-- [start:arguments]
  # The manifest's location roles ({input}, {output}, {quarantine}, {temp}) filled with these buckets.
  locations = {
    input      = "s3://${local.buckets.raw}"
    output     = "s3://${local.buckets.curated}"
    quarantine = "s3://${local.buckets.quarantine}"
    temp       = "s3://${local.buckets.temp}"
  }
  job_arguments = {
    for argument, template in local.manifest.arguments : argument => replace(replace(replace(replace(template,
      "{input}", local.locations.input),
      "{output}", local.locations.output),
      "{quarantine}", local.locations.quarantine),
    "{temp}", local.locations.temp)
  }
  # --8<-- [end:arguments]
  # Where the job writes its tables: the catalog tables' locations are under it (catalog_tables.tf.json).
  output_path = local.job_arguments["--output_path"]
  # Its parent: where a job whose output path is its one table keeps the tables a cookbook pattern adds.
  output_parent = regex("^(.*)/[^/]+/?$", local.output_path)[0]

  # The job's S3 prefixes in each data bucket: <job>/ as the manifest lays it out, and e2e/ for the AWS E2E.
  data_prefixes = concat([local.job_name], var.allow_e2e_runs ? ["e2e"] : [])

  artifacts = concat([local.manifest.script, local.manifest.wheel], local.manifest.dependencies)
  python_modules = join(",", [
    for artifact in concat([local.manifest.wheel], local.manifest.dependencies) : "s3://${local.buckets.artifacts}/${artifact.key}"
  ])

  # Glue's own arguments; the job's come from the manifest. Both sides are checked against the job's
  # config model by tests/infra/test_terraform.py.
{%- if cookiecutter.pattern_bookmarks %}
  # Bookmarks on (the bookmarks pattern): each run reads only the files that are new since the last successful
  # one, and max_concurrent_runs = 1 (glue.tf) keeps two runs from reading the same ones.
{%- endif %}
  glue_arguments = {
    "--additional-python-modules"        = local.python_modules
    "--enable-metrics"                   = "true"
    "--enable-observability-metrics"     = "true"
    "--enable-continuous-cloudwatch-log" = "true"
{%- if cookiecutter.pattern_bookmarks %}
    "--job-bookmark-option"              = "job-bookmark-enable"
{%- else %}
    "--job-bookmark-option"              = "job-bookmark-disable"
{%- endif %}
    "--job-language"                     = "python"
  }
  # The job's log groups (glue.tf): Glue 5.0 and later take a prefix for <prefix>/output and <prefix>/error,
  # Glue 4.0 one group for its continuous logs.
  log_group_name = "/aws-glue/jobs/${local.name}"
  log_arguments = tonumber(local.manifest.glue_version) >= 5 ? {
    "--custom-logGroup-prefix" = local.log_group_name
    } : {
    "--continuous-log-logGroup" = "${local.log_group_name}/output"
  }
}
