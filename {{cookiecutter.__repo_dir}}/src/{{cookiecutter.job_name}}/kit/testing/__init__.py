"""Test support for the job's own tests and the kit's: load ``fixtures`` as a pytest plugin.

- ``fixtures``: one tuned SparkSession per test process, fake AWS credentials, moto-backed S3 and Glue clients;
- ``data``: valid rows built from a contract, and mutators that break them one way at a time;
- ``frames``: a DataFrame from plain tuples and a schema, without a Python worker;
- ``quarantine``: what a run set aside, read back;
- ``declared``: a stand-in for the job's contracts and declarations, so the kit's tests use their own datasets.
"""
