output "job_name" {
  description = "The deployed Glue job."
  value       = aws_glue_job.job.name
}

output "database" {
  description = "The Glue database of the job's tables (make schema-check GLUE_DATABASE=...)."
  value       = aws_glue_catalog_database.job.name
}

output "buckets" {
  description = "Bucket of each role."
  value       = local.buckets
}

output "job_arguments" {
  description = "The arguments every run gets (the job's, from the manifest, and Glue's)."
  value       = aws_glue_job.job.default_arguments
}

output "kms_key_arn" {
  description = "The key of the job's data, logs and bookmarks."
  value       = aws_kms_key.job.arn
}

output "e2e_environment" {
  description = "The AWS E2E's settings for this deployment (make e2e ENV=... reads them)."
  value = {
    E2E_GLUE_JOB        = aws_glue_job.job.name
    E2E_REGION          = var.region
    E2E_ARTIFACTS       = "s3://${local.buckets.artifacts}"
    E2E_INPUT           = local.locations.input
    E2E_OUTPUT          = local.locations.output
    E2E_QUARANTINE      = local.locations.quarantine
    E2E_TEMP            = local.locations.temp
    E2E_DENIED_ROLE_ARN = length(aws_iam_role.outputs_reader) > 0 ? aws_iam_role.outputs_reader[0].arn : ""
  }
}
