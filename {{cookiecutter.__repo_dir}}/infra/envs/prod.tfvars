# make plan ENV=prod / make deploy ENV=prod
environment                = "prod"
number_of_workers          = {{ cookiecutter.number_of_workers }}
timeout_minutes            = 60
log_retention_days         = 365
quarantine_retention_days  = 90
notify_delay_after_minutes = 30
deletion_protection        = true
allow_e2e_runs             = false
ci_principal_arns          = []
{%- if cookiecutter.pattern_alerting %}
# Where failure and delay alerts go (confirm the subscription e-mail AWS sends).
alert_email = ""
{%- endif %}
