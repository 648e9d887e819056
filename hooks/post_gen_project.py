"""Remove what the answers did not choose: one table, one loop; the chosen Glue version's lock becomes uv.lock.

No network, no git, no docker.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

PACKAGE = "src/{package}"
KIT = f"{PACKAGE}/kit"
SCHEMAS = f"{PACKAGE}/schemas"
# Contract file suffix of each schema_format answer.
SCHEMA_SUFFIXES = {"pyspark": ".spark.json", "avro": ".avsc", "glue": ".glue.json"}
EXAMPLE_DATASETS = [
    "customers",
    "employees",
    "offices",
    "orders",
    "orderdetails",
    "payments",
    "products",
    "productlines",
    "fact_orders",
    "dim_customers",
    "dim_products",
    "dim_locations",
]
MINIMAL_DATASETS = ["records", "clean_records"]
# Each Glue version ships its own uv.lock (scripts/lock_glue_runtimes.py writes them); the chosen one becomes uv.lock.
GLUE_VERSIONS = ["5.1", "6.0", "5.0", "4.0"]
LOCK = "uv.glue-{glue_version}.lock"

# (option, value that removes, paths relative to the rendered repo; {package} is the job name).
# A path may be a glob; it must match at least one file, so the table cannot drift from the template.
REMOVE_PATHS: list[tuple[str, object, list[str]]] = [
    (
        "include_example",
        True,
        [
            f"{PACKAGE}/jobs/minimal.py",
            f"{PACKAGE}/jobs/minimal.json",
            "bench/minimal.py",
            "bench/minimal_reference.py",
            f"{PACKAGE}/domain/records.py",
            f"{PACKAGE}/integration/records.py",
            "glue_scripts/minimal.py",
            "sample_data/records",
            "tests/unit/test_records.py",
            "tests/integration/test_minimal_job.py",
            "tests/integration/minimal_under_test.py",
            *[f"{SCHEMAS}/{dataset}.*" for dataset in MINIMAL_DATASETS],
            # The change-records pattern's datasets for the minimal job (its on/off entry removes the rest).
            "sample_data/records_changes",
            f"{SCHEMAS}/records_changes.*",
            f"{SCHEMAS}/records_state.*",
        ],
    ),
    (
        "include_example",
        False,
        [
            f"{PACKAGE}/jobs/star_schema.py",
            f"{PACKAGE}/jobs/star_schema.json",
            "bench/star_schema.py",
            "bench/star_schema_reference.py",
            f"{PACKAGE}/domain/star_schema.py",
            f"{PACKAGE}/integration/classicmodels.py",
            "glue_scripts/star_schema.py",
            "sample_data/classicmodels",
            "scripts/generate_sample_data.py",
            "tests/builders.py",
            "tests/unit/test_star_schema.py",
            "tests/integration/test_star_schema_job.py",
            "tests/integration/star_schema_under_test.py",
            *[f"{SCHEMAS}/{dataset}.*" for dataset in EXAMPLE_DATASETS],
            f"{SCHEMAS}/customers_changes.*",
            f"{SCHEMAS}/customers_state.*",
        ],
    ),
    # Only the chosen format's contract files stay.
    *[
        (
            "schema_format",
            chosen,
            [f"{SCHEMAS}/*{suffix}" for other, suffix in SCHEMA_SUFFIXES.items() if other != chosen],
        )
        for chosen in SCHEMA_SUFFIXES
    ],
    ("ci", "none", [".github"]),
    # Only the chosen Glue version's lock stays (main renames it to uv.lock).
    *[
        (
            "glue_version",
            chosen,
            [LOCK.format(glue_version=other) for other in GLUE_VERSIONS if other != chosen],
        )
        for chosen in GLUE_VERSIONS
    ],
    ("glue_version", "4.0", ["tests/kit/test_config_glue_parity.py"]),
    (
        "pattern_output_file_count",
        False,
        [
            f"{KIT}/patterns/output_file_count.py",
            "tests/kit/test_output_file_count.py",
            "tests/integration/test_output_file_count_job.py",
            "tests/e2e_local/test_output_file_count_on_s3.py",
        ],
    ),
    (
        "pattern_single_file_output",
        False,
        [
            f"{KIT}/patterns/single_file_output.py",
            "tests/kit/test_single_file_output.py",
            "tests/kit/test_single_file_output_s3.py",
            "tests/integration/test_single_file_output_job.py",
            "tests/e2e_local/test_single_file_output_on_s3.py",
        ],
    ),
    (
        "pattern_reprocessing",
        False,
        [
            f"{KIT}/patterns/reprocessing.py",
            "tests/kit/test_reprocessing.py",
            "tests/integration/test_reprocessing_job.py",
            "tests/e2e_local/test_reprocessing_on_s3.py",
        ],
    ),
    (
        "pattern_point_in_time",
        False,
        [
            f"{KIT}/patterns/point_in_time.py",
            f"{SCHEMAS}/*_snapshots.*",
            "tests/kit/test_point_in_time.py",
            "tests/integration/test_point_in_time_job.py",
            "tests/e2e_local/test_point_in_time_on_s3.py",
        ],
    ),
    (
        "pattern_cdc",
        False,
        [
            f"{KIT}/patterns/cdc.py",
            f"{SCHEMAS}/*_changes.*",
            f"{SCHEMAS}/*_state.*",
            # sample_data/records_changes or sample_data/classicmodels/customers_changes, whichever the job has.
            "sample_data/**/*_changes",
            "tests/kit/test_cdc.py",
            "tests/integration/test_cdc_job.py",
            "tests/e2e_local/test_cdc_on_s3.py",
        ],
    ),
    (
        "pattern_bookmarks",
        False,
        [
            f"{KIT}/patterns/bookmarks.py",
            f"{KIT}/cli/bookmarks.py",
            "tests/kit/test_bookmarks.py",
            "tests/integration/test_bookmarks_job.py",
            "tests/e2e_local/test_bookmarks_on_s3.py",
        ],
    ),
    (
        "pattern_recovery",
        False,
        [
            f"{KIT}/patterns/recovery.py",
            "infra/recovery.tf",
            "tests/kit/test_recovery.py",
            "tests/integration/test_recovery_job.py",
        ],
    ),
    ("pattern_alerting", False, ["infra/alerting.tf", "infra/events", "tests/infra/test_alerting.py"]),
]


def paths_to_remove(answers: dict[str, Any]) -> list[str]:
    return [
        path.format(package=answers["job_name"])
        for option, value, paths in REMOVE_PATHS
        if answers.get(option) == value
        for path in paths
    ]


def remove(root: Path, relative: str) -> None:
    targets = sorted(root.glob(relative)) if "*" in relative else [root / relative]
    targets = [target for target in targets if target.exists()]
    if not targets:
        raise FileNotFoundError(f"post-gen table names '{relative}', which the template does not have")
    for target in targets:
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()


def main(root: Path, answers: dict[str, Any]) -> int:
    for relative in paths_to_remove(answers):
        remove(root, relative)
    (root / LOCK.format(glue_version=answers["glue_version"])).rename(root / "uv.lock")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path.cwd(), json.loads(r"""{{ cookiecutter | tojson }}""")))
