"""Glue script (the job's script_location): import the package and hand over to its entry point."""

import sys

from {{ cookiecutter.job_name }}.jobs.minimal import main

main(sys.argv, runtime="glue")
