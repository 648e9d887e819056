"""The minimal job on its sample data, for the pattern tests (see ``job_under_test``)."""

from __future__ import annotations

from {{ cookiecutter.job_name }}.jobs import minimal as module

from .job_under_test import REPO, JobUnderTest

# sample_data/records/records.csv: records 1-4, record 2 twice (its later version, of 2024-03-02, wins).
JOB = JobUnderTest(
    name="minimal",
    config_type=module.MinimalJobConfig,
    pipeline=module.run_pipeline,
    sample=REPO / "sample_data" / "records",
    input_argument="input_path",
    folders={"clean_records": ""},
    partitions={"clean_records": ("record_date", {"2024-03-01": 1, "2024-03-02": 2, "2024-03-03": 1})},
    rows={"clean_records": 4},
    export=("clean_records", "clean_records.csv"),
)
