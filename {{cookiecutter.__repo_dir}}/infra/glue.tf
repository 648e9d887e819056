# The Glue job, its security configuration and its log groups.
resource "aws_glue_security_configuration" "job" {
  name = local.name

  encryption_configuration {
    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
      kms_key_arn        = aws_kms_key.job.arn
    }
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "SSE-KMS"
      kms_key_arn                = aws_kms_key.job.arn
    }
    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = aws_kms_key.job.arn
    }
  }
}

resource "aws_cloudwatch_log_group" "job" {
  for_each = toset(["output", "error"])

  name              = "${local.log_group_name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.job.arn
}

resource "aws_glue_job" "job" {
  name                   = local.name
  description            = {{ cookiecutter.job_description | replace("${", "$${") | replace("%{", "%%{") | tojson }}
  role_arn               = aws_iam_role.job.arn
  glue_version           = local.manifest.glue_version
  worker_type            = var.worker_type
  number_of_workers      = var.number_of_workers
  timeout                = var.timeout_minutes
  max_retries            = var.max_retries
  execution_class        = var.execution_class
  security_configuration = aws_glue_security_configuration.job.name

  command {
    name            = "glueetl"
    script_location = "s3://${local.buckets.artifacts}/${local.manifest.script.key}"
    python_version  = "3"
  }

  # One run at a time: two runs would overwrite each other's tables (and bookmarks require it).
  execution_property {
    max_concurrent_runs = 1
  }

  # A run still going after this emits "Glue Job Run Status" events: the delay alert.
  notification_property {
    notify_delay_after = var.notify_delay_after_minutes
  }

  default_arguments = merge(local.job_arguments, local.glue_arguments, local.log_arguments{{ ", local.recovery_arguments" if cookiecutter.pattern_recovery }})

  depends_on = [aws_s3_object.artifact, aws_cloudwatch_log_group.job]
}
