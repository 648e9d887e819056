"""Glue script (the job's script_location): import the package and hand over to its entry point."""

import sys

from {{ cookiecutter.job_name }}.jobs.star_schema import main

main(sys.argv, runtime="glue")
