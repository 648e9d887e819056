# The job's buckets: artifacts (script and wheels), raw (inputs), curated (tables), quarantine, temp.
# Each is SSE-KMS with the job's key, blocked from public access, TLS-only, and has lifecycle rules.
resource "aws_s3_bucket" "job" {
  for_each = local.created_buckets
  #checkov:skip=CKV_AWS_18:Server access logs go to the account's log bucket when var.access_log_bucket names it (aws_s3_bucket_logging below); checkov cannot follow the condition.
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery decision for the account: curated tables are rebuilt from raw by rerunning the job.
  #checkov:skip=CKV2_AWS_62:Nothing consumes S3 event notifications here; runs are started by schedule or CI, and alerts come from Glue's own events.

  bucket        = each.value
  force_destroy = !var.deletion_protection
  tags          = { role = each.key }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "job" {
  for_each = aws_s3_bucket.job

  bucket = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.job.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "job" {
  for_each = var.access_log_bucket == "" ? {} : aws_s3_bucket.job

  bucket        = each.value.id
  target_bucket = var.access_log_bucket
  target_prefix = "s3/${each.value.id}/"
}

resource "aws_s3_bucket_public_access_block" "job" {
  for_each = aws_s3_bucket.job

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "job" {
  for_each = aws_s3_bucket.job

  bucket = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "job" {
  for_each = { for role, bucket in aws_s3_bucket.job : role => bucket if contains(local.versioned_roles, role) || role == "artifacts" }

  bucket = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_policy" "job" {
  for_each = aws_s3_bucket.job

  bucket = each.value.id
  policy = data.aws_iam_policy_document.tls_only[each.key].json

  depends_on = [aws_s3_bucket_public_access_block.job]
}

data "aws_iam_policy_document" "tls_only" {
  for_each = aws_s3_bucket.job

  statement {
    sid       = "DenyRequestsWithoutTls"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [each.value.arn, "${each.value.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "job" {
  for_each = aws_s3_bucket.job

  bucket = each.value.id

  # A killed run leaves multipart uploads behind (S3 committers, big writes): billed until aborted.
  # This is the infrastructure half of the staging-cleanup pattern.
  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_uploads_days
    }
  }

  dynamic "rule" {
    for_each = contains(local.versioned_roles, each.key) || each.key == "artifacts" ? [1] : []
    content {
      id     = "expire-noncurrent-versions"
      status = "Enabled"
      filter {}
      noncurrent_version_expiration {
        noncurrent_days = var.noncurrent_version_retention_days
      }
    }
  }

  dynamic "rule" {
    for_each = each.key == "temp" ? [var.temp_retention_days] : each.key == "quarantine" ? [var.quarantine_retention_days] : []
    content {
      id     = "expire-${each.key}"
      status = "Enabled"
      filter {}
      expiration {
        days = rule.value
      }
    }
  }

  depends_on = [aws_s3_bucket_versioning.job]
}

# This build's artifact, uploaded by `make deploy` (terraform apply): keys change with content, so a
# deployment never overwrites what a running job is reading.
resource "aws_s3_object" "artifact" {
  for_each = { for artifact in local.artifacts : artifact.key => artifact }

  bucket      = local.buckets.artifacts
  key         = each.key
  source      = "${var.dist_dir}/${each.value.file}"
  source_hash = each.value.sha256
  kms_key_id  = aws_kms_key.job.arn
}
