"""``make bench-job`` for the minimal job: the job against ``minimal_reference.py``, on scaled inputs.

Sizes, in copies of the bundled sample (5 records): ``small`` 50k records, ``medium`` 500k,
``large`` 2.5M, ``xlarge`` 25M.

Usage: python bench/minimal.py [--sizes medium,large] [--runs 3] [--profile]
"""

from __future__ import annotations

import sys
from pathlib import Path

from {{ cookiecutter.job_name }}.kit.bench.data import Relations
from {{ cookiecutter.job_name }}.kit.bench.run import JobBench, main

HERE = Path(__file__).resolve().parent

BENCH = JobBench(
    job="minimal",
    module="{{ cookiecutter.job_name }}.jobs.minimal",
    sample_data=HERE.parent / "sample_data",
    relations=Relations(keys={"records": ["record_id"]}),
    sizes={
        name: {"records": copies}
        for name, copies in (("small", 10_000), ("medium", 100_000), ("large", 500_000), ("xlarge", 5_000_000))
    },
    reference=HERE / "minimal_reference.py",
    reference_arguments=lambda records, output: [
        "--input_path",
        str(records / "records"),
        "--output_path",
        str(output),
    ],
    job_arguments=lambda records, output, quarantine: [
        "--input_path",
        str(records / "records"),
        "--output_path",
        str(output / "clean_records"),
        "--quarantine_path",
        str(quarantine),
    ],
    tables=["clean_records"],
)

if __name__ == "__main__":
    sys.exit(main(BENCH))
