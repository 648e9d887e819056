"""The example star-schema job on its sample data, for the pattern tests (see ``job_under_test``)."""

from __future__ import annotations

from collections import Counter

from {{ cookiecutter.job_name }}.jobs import star_schema as module
from {{ cookiecutter.job_name }}.kit.declarations import load_job

from .job_under_test import REPO, JobUnderTest, csv_rows

SAMPLE = REPO / "sample_data" / "classicmodels"
ORDER_DATES = {row["orderNumber"]: row["orderDate"] for row in csv_rows(SAMPLE / "orders" / "orders.csv")}
LINES = csv_rows(SAMPLE / "orderdetails" / "orderdetails.csv")
JOB = JobUnderTest(
    name="star_schema",
    config_type=module.StarSchemaJobConfig,
    pipeline=module.run_pipeline,
    sample=SAMPLE,
    input_argument="raw_path",
    # Every declared output: the star schema, and the tables cookbook patterns add (point_in_time's snapshots).
    folders={name: name for name in load_job("star_schema").outputs},
    partitions={
        "fact_orders": ("order_date", dict(Counter(ORDER_DATES[line["orderNumber"]] for line in LINES))),
    },
    rows={
        "fact_orders": len(LINES),
        "dim_customers": len(csv_rows(SAMPLE / "customers" / "customers.csv")),
    },
    export=("dim_customers", "dim_customers.csv"),
)
