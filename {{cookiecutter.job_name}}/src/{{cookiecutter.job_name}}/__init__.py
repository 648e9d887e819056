"""The {{ cookiecutter.job_name }} Glue job: domain transforms, IO adapters and the runtime seam."""
