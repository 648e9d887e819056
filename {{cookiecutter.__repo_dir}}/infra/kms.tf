# One customer-managed key for the job's data, logs and bookmarks. Only this account's IAM policies
# (which grant it to the job and CI roles alone) and CloudWatch Logs, for this job's log group, may use it.
resource "aws_kms_key" "job" {
  description             = "${local.name}: S3 data, CloudWatch logs and job bookmarks"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_protection ? 30 : 7
  policy                  = data.aws_iam_policy_document.job_key.json
}

resource "aws_kms_alias" "job" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.job.key_id
}

# Every key of the job starts from this: the account administers it through IAM, where grants are scoped.
data "aws_iam_policy_document" "key_administration" {
  #checkov:skip=CKV_AWS_109:A key policy's "*" resource is the key itself; the account administers it through IAM, where grants are scoped.
  #checkov:skip=CKV_AWS_111:A key policy's "*" resource is the key itself; see CKV_AWS_109.
  #checkov:skip=CKV_AWS_356:A key policy's "*" resource is the key itself; see CKV_AWS_109.
  statement {
    sid       = "AccountAdministersTheKeyThroughIam"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy, "*" is this key
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
}

data "aws_iam_policy_document" "job_key" {
  source_policy_documents = [data.aws_iam_policy_document.key_administration.json]

  statement {
    sid       = "CloudWatchLogsEncryptsTheJobsLogGroup"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:${local.log_group_name}*"]
    }
  }
}
