# make plan ENV=dev / make deploy ENV=dev
environment                = "dev"
number_of_workers          = 2
timeout_minutes            = 30
log_retention_days         = 14
quarantine_retention_days  = 30
notify_delay_after_minutes = 15
# dev can be torn down: buckets are emptied on destroy and keys wait 7 days.
deletion_protection = false
# The AWS E2E runs here, each test under e2e/<test>-<random>/ of every bucket.
allow_e2e_runs = true
# The CI system's role (for example a GitHub OIDC role) that runs `make e2e ENV=dev`.
ci_principal_arns = []
{%- if cookiecutter.pattern_alerting %}
alert_email       = ""
{%- endif %}
