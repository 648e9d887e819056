"""The {{ cookiecutter.job_name }} Glue job."""
