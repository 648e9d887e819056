# Cookbook pattern "alerting on job failures": an EventBridge rule for the job's failed, timed-out,
# stopped and errored runs, one for its late runs, both to an encrypted SNS topic with a readable message.
variable "alert_email" {
  description = "An e-mail address subscribed to the alerts topic (empty: none; subscribe chat or paging tools to the topic instead)."
  type        = string
  default     = ""
}

# SNS needs a customer-managed key EventBridge may use: the AWS-managed alias/aws/sns key admits no
# service principal, so EventBridge's deliveries to a topic encrypted with it fail silently.
resource "aws_kms_key" "alerts" {
  description             = "${local.name}: alerts topic"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_protection ? 30 : 7
  policy                  = data.aws_iam_policy_document.alerts_key.json
}

resource "aws_kms_alias" "alerts" {
  name          = "alias/${local.name}-alerts"
  target_key_id = aws_kms_key.alerts.key_id
}

data "aws_iam_policy_document" "alerts_key" {
  #checkov:skip=CKV_AWS_111:In a key policy "*" is this key; EventBridge's grant can carry no source condition (see below).
  #checkov:skip=CKV_AWS_356:In a key policy "*" is this key; see CKV_AWS_111.
  source_policy_documents = [data.aws_iam_policy_document.key_administration.json]

  # No aws:SourceArn/aws:SourceAccount condition: SNS does not pass them to KMS for EventBridge's messages.
  statement {
    sid       = "EventBridgePublishesToTheEncryptedTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

resource "aws_sns_topic" "alerts" {
  name              = "${local.name}-alerts"
  kms_master_key_id = aws_kms_key.alerts.arn
}

data "aws_iam_policy_document" "alerts_topic" {
  statement {
    sid       = "TheJobsRulesPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.job_failed.arn, aws_cloudwatch_event_rule.job_delayed.arn]
    }
  }
}

resource "aws_sns_topic_policy" "alerts" {
  arn    = aws_sns_topic.alerts.arn
  policy = data.aws_iam_policy_document.alerts_topic.json
}

resource "aws_sns_topic_subscription" "alert_email" {
  count = var.alert_email == "" ? 0 : 1

  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = var.alert_email
}

# "Glue Job State Change" for this job's runs that did not succeed.
resource "aws_cloudwatch_event_rule" "job_failed" {
  name          = "${local.name}-failed"
  description   = "A run of ${local.name} failed, timed out, was stopped or could not start"
  event_pattern = templatefile("${path.module}/events/job_failed.json.tftpl", { job_name = aws_glue_job.job.name })
}

# "Glue Job Run Status" comes only for a run past notify_delay_after, once per status: it means late.
resource "aws_cloudwatch_event_rule" "job_delayed" {
  name          = "${local.name}-delayed"
  description   = "A run of ${local.name} is still going after ${var.notify_delay_after_minutes} minutes"
  event_pattern = templatefile("${path.module}/events/job_delayed.json.tftpl", { job_name = aws_glue_job.job.name })
}

locals {
  # What an alert says: the job, the run, its state, Glue's message and where to look.
  alert_paths = {
    job     = "$.detail.jobName"
    run     = "$.detail.jobRunId"
    state   = "$.detail.state"
    message = "$.detail.message"
    region  = "$.region"
  }
  alert_console = "https://<region>.console.aws.amazon.com/gluestudio/home?region=<region>#/job/<job>/run/<run>"
  alert_templates = {
    job_failed  = "\"Glue job <job>: run <run> ended <state>. <message> Logs and details: ${local.alert_console}\""
    job_delayed = "\"Glue job <job>: run <run> is late (still <state> after ${var.notify_delay_after_minutes} minutes). <message> Details: ${local.alert_console}\""
  }
  alert_rules = {
    job_failed  = aws_cloudwatch_event_rule.job_failed.name
    job_delayed = aws_cloudwatch_event_rule.job_delayed.name
  }
}

resource "aws_cloudwatch_event_target" "alerts" {
  for_each = local.alert_rules

  rule      = each.value
  target_id = "sns"
  arn       = aws_sns_topic.alerts.arn

  input_transformer {
    input_paths    = local.alert_paths
    input_template = local.alert_templates[each.key]
  }
}

output "alerts_topic_arn" {
  description = "Subscribe chat, paging or ticketing tools here."
  value       = aws_sns_topic.alerts.arn
}
