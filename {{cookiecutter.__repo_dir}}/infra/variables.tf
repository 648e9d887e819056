variable "environment" {
  description = "Deployment name (dev, prod): part of every resource name, and the tag 'environment'."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment must be 2-16 characters of lowercase letters, digits and '-', starting with a letter (dev, prod)."
  }
}

variable "region" {
  description = "AWS region of the job, its buckets and its catalog."
  type        = string
  default     = "{{ cookiecutter.aws_region }}"
}

variable "owner" {
  description = "Owning team: the tag 'owner' on every resource."
  type        = string
  default     = {{ cookiecutter.owner | replace("${", "$${") | replace("%{", "%%{") | tojson }}
}

variable "dist_dir" {
  description = "Where `make package` wrote the artifact and dist/manifest.json (relative to infra/)."
  type        = string
  default     = "../dist"
}

variable "worker_type" {
  description = "Glue worker type (G.1X, G.2X, ... R.8X)."
  type        = string
  default     = "{{ cookiecutter.worker_type }}"
}

variable "number_of_workers" {
  description = "Glue workers per run, the driver's included (at least 2)."
  type        = number
  default     = {{ cookiecutter.number_of_workers }}

  validation {
    condition     = var.number_of_workers >= 2
    error_message = "number_of_workers must be at least 2: Glue needs a driver and one executor."
  }
}

variable "execution_class" {
  description = "STANDARD, or FLEX (spare capacity, cheaper, may start late; G.1X/G.2X only) for jobs that are not time-critical."
  type        = string
  default     = "STANDARD"

  validation {
    condition     = contains(["STANDARD", "FLEX"], var.execution_class)
    error_message = "execution_class must be STANDARD or FLEX."
  }
}

variable "timeout_minutes" {
  description = "A run is stopped (state TIMEOUT) after this many minutes; it also bounds the worst-case cost of a run."
  type        = number
  default     = 60
}

variable "max_retries" {
  description = "Glue reruns the whole script after a failure this many times; the job's writes are idempotent, so a retry gives the same tables."
  type        = number
  default     = 1
}

variable "notify_delay_after_minutes" {
  description = "A run still going after this many minutes emits a 'Glue Job Run Status' event: the delay alert."
  type        = number
  default     = 30

  validation {
    condition     = var.notify_delay_after_minutes >= 1
    error_message = "notify_delay_after_minutes must be at least 1 (Glue's minimum)."
  }
}

variable "log_retention_days" {
  description = "How long the job's CloudWatch logs are kept (a year by default; dev keeps less)."
  type        = number
  default     = 365
}

variable "access_log_bucket" {
  description = "The account's S3 server-access-log bucket; empty: no access logs (CloudTrail data events may cover them instead)."
  type        = string
  default     = ""
}

variable "quarantine_retention_days" {
  description = "Quarantined rows older than this are deleted: long enough to investigate and replay them."
  type        = number
  default     = 90
}

variable "temp_retention_days" {
  description = "Objects under the temp bucket (Glue's --TempDir, staging) are deleted after this many days."
  type        = number
  default     = 7
}

variable "abort_incomplete_uploads_days" {
  description = "Multipart uploads a killed run left unfinished are aborted after this many days (they are billed until then)."
  type        = number
  default     = 2
}

variable "noncurrent_version_retention_days" {
  description = "Old versions of data objects (versioned buckets) are kept this long, to undo a bad run."
  type        = number
  default     = 30
}

variable "deletion_protection" {
  description = "true: buckets holding objects cannot be destroyed by Terraform, and the keys wait 30 days before deletion."
  type        = bool
  default     = true
}

variable "existing_buckets" {
  description = "Use existing buckets instead of creating them: role (artifacts, raw, curated, quarantine, temp) -> bucket name. Their encryption, versioning and policies are then their owner's."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for role in keys(var.existing_buckets) : contains(["artifacts", "raw", "curated", "quarantine", "temp"], role)])
    error_message = "existing_buckets keys must be among artifacts, raw, curated, quarantine and temp."
  }
}

variable "allow_e2e_runs" {
  description = "Let the job (and the CI role) use the e2e/ prefix of each data bucket, where the AWS E2E gives each test its own prefix. Off in prod."
  type        = bool
  default     = false
}

variable "ci_principal_arns" {
  description = "IAM principals (a CI system's role, a GitHub OIDC role) that may assume the CI role and the outputs-reader role. Empty: neither role is created."
  type        = list(string)
  default     = []
}
