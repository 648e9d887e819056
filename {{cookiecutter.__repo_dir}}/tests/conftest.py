"""The shared fixtures (Spark session, moto clients) come from the kit's test support."""

pytest_plugins = ["{{ cookiecutter.job_name }}.kit.testing.fixtures"]
