# The recovery pattern: a run whose fresh inputs (jobs/<job>.json, recovery.fresh_inputs) hold no file younger
# than this stops before it reads anything (StaleInputError), and the failure alert, if on, says so. A catch-up
# run of old data passes --stale_inputs warn as a run argument.
variable "max_input_age_hours" {
  description = "The newest file of each fresh input must be younger than this many hours when a run reads it."
  type        = number
  default     = 36

  validation {
    condition     = var.max_input_age_hours > 0
    error_message = "max_input_age_hours must be positive."
  }
}

locals {
  recovery_arguments = { "--max_input_age_hours" = tostring(var.max_input_age_hours) }
}
