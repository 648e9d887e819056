# Least privilege: the job's role reaches its own prefixes, key, log groups and catalog tables, and
# nothing else. No managed AWSGlueServiceRole (it grants every aws-glue-* bucket) and no "*" resource
# on data: the one "*" below is CloudWatch metrics, which have no resource ARN, held to Glue's namespace.
locals {
  bucket_arns = { for role, bucket in local.buckets : role => "arn:${local.partition}:s3:::${bucket}" }
  # Object ARNs of the job's prefixes in one bucket role.
  prefix_arns  = { for role, arn in local.bucket_arns : role => [for prefix in local.data_prefixes : "${arn}/${prefix}/*"] }
  catalog_arn  = "arn:${local.partition}:glue:${var.region}:${local.account_id}:catalog"
  database_arn = "arn:${local.partition}:glue:${var.region}:${local.account_id}:database/${aws_glue_catalog_database.job.name}"
  table_arns   = "arn:${local.partition}:glue:${var.region}:${local.account_id}:table/${aws_glue_catalog_database.job.name}/*"
}

data "aws_iam_policy_document" "glue_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "job" {
  name               = "${local.name}-job"
  assume_role_policy = data.aws_iam_policy_document.glue_assume.json
}

data "aws_iam_policy_document" "job" {
  statement {
    sid       = "ReadTheArtifact"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arns.artifacts}/${local.job_name}/*"]
  }

  statement {
    sid       = "ReadTheInputs"
    actions   = ["s3:GetObject"]
    resources = local.prefix_arns.raw
  }

  statement {
    sid       = "WriteTablesQuarantineAndTemp"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = concat(local.prefix_arns.curated, local.prefix_arns.quarantine, local.prefix_arns.temp)
  }

  statement {
    sid       = "ListOnlyTheJobsPrefixes"
    actions   = ["s3:ListBucket", "s3:ListBucketMultipartUploads"]
    resources = [for role in ["raw", "curated", "quarantine", "temp"] : local.bucket_arns[role]]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = flatten([for prefix in local.data_prefixes : [prefix, "${prefix}/*"]])
    }
  }

  statement {
    sid       = "UseTheJobsKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [aws_kms_key.job.arn]
  }

  statement {
    sid       = "WriteTheJobsLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]
    resources = flatten([for group in aws_cloudwatch_log_group.job : [group.arn, "${group.arn}:*"]])
  }

  statement {
    sid       = "ReadAndUpdateTheJobsTables"
    actions   = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchCreatePartition", "glue:CreatePartition", "glue:UpdatePartition", "glue:BatchDeletePartition", "glue:UpdateTable"]
    resources = [local.catalog_arn, local.database_arn, local.table_arns]
  }

  statement {
    sid       = "PublishGlueMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"] # metrics have no ARN; the condition holds the role to Glue's namespace
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["Glue"]
    }
  }
}

resource "aws_iam_role_policy" "job" {
  name   = "${local.name}-job"
  role   = aws_iam_role.job.id
  policy = data.aws_iam_policy_document.job.json
}

# CI and the AWS E2E: start and watch this job's runs, and use the e2e/ prefixes. Narrower than the job:
# it cannot read production inputs or change the job. The outputs reader may read the tables but not
# start a run: the AWS E2E's AccessDenied test assumes it (E2E_DENIED_ROLE_ARN).
data "aws_iam_policy_document" "ci_assume" {
  count = length(var.ci_principal_arns) > 0 ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = var.ci_principal_arns
    }
  }
}

resource "aws_iam_role" "ci" {
  count = length(var.ci_principal_arns) > 0 ? 1 : 0

  name               = "${local.name}-ci"
  assume_role_policy = data.aws_iam_policy_document.ci_assume[0].json
}

data "aws_iam_policy_document" "ci" {
  statement {
    sid       = "RunTheJob"
    actions   = ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun", "glue:GetJob"]
    resources = [aws_glue_job.job.arn]
  }

  statement {
    sid       = "UploadTheArtifact"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${local.bucket_arns.artifacts}/${local.job_name}/*"]
  }

  statement {
    sid       = "UseTheE2ePrefixes"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [for role in ["raw", "curated", "quarantine", "temp"] : "${local.bucket_arns[role]}/e2e/*"]
  }

  statement {
    sid       = "ListTheE2ePrefixes"
    actions   = ["s3:ListBucket"]
    resources = [for role in ["artifacts", "raw", "curated", "quarantine", "temp"] : local.bucket_arns[role]]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["e2e", "e2e/*", "${local.job_name}/*"]
    }
  }

  statement {
    sid       = "UseTheJobsKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [aws_kms_key.job.arn]
  }
}

resource "aws_iam_role_policy" "ci" {
  count = length(var.ci_principal_arns) > 0 ? 1 : 0

  name   = "${local.name}-ci"
  role   = aws_iam_role.ci[0].id
  policy = data.aws_iam_policy_document.ci.json
}

resource "aws_iam_role" "outputs_reader" {
  count = length(var.ci_principal_arns) > 0 ? 1 : 0

  name               = "${local.name}-outputs-reader"
  assume_role_policy = data.aws_iam_policy_document.ci_assume[0].json
}

data "aws_iam_policy_document" "outputs_reader" {
  statement {
    sid       = "ReadTheTables"
    actions   = ["s3:GetObject"]
    resources = local.prefix_arns.curated
  }

  statement {
    sid       = "DecryptTheTables"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.job.arn]
  }

  statement {
    sid       = "SeeTheJob"
    actions   = ["glue:GetJob", "glue:GetJobRuns"]
    resources = [aws_glue_job.job.arn]
  }
}

resource "aws_iam_role_policy" "outputs_reader" {
  count = length(var.ci_principal_arns) > 0 ? 1 : 0

  name   = "${local.name}-outputs-reader"
  role   = aws_iam_role.outputs_reader[0].id
  policy = data.aws_iam_policy_document.outputs_reader.json
}
