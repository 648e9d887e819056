"""``make bench-job`` for the star schema job: the job against ``star_schema_reference.py``, on scaled inputs.

Sizes, in copies of the bundled sample (131 order lines, 40 orders, 20 customers, 15 products):

- ``small``: about 13k order lines, a quick check that everything works;
- ``medium``: about 510k order lines, 156k orders, 2,000 customers, 105 products;
- ``large``: about 2.5M order lines, 760k orders, 2,000 customers, 105 products;
- ``xlarge``: about 25M order lines (about 1.3 GB of CSV: check the disk first).

Usage: python bench/star_schema.py [--sizes medium,large] [--runs 3] [--profile]
"""

from __future__ import annotations

import sys
from pathlib import Path

from {{ cookiecutter.job_name }}.domain.star_schema import KEYS, REFERENCES
from {{ cookiecutter.job_name }}.kit.bench.data import Relations
from {{ cookiecutter.job_name }}.kit.bench.run import JobBench, main

HERE = Path(__file__).resolve().parent


def _copies(order_copies: int) -> dict[str, int]:
    # Orders grow with their lines; customers and products stay at warehouse-dimension sizes.
    return {"orderdetails": order_copies, "orders": order_copies, "customers": 100, "products": 7}


BENCH = JobBench(
    job="star_schema",
    module="{{ cookiecutter.job_name }}.jobs.star_schema",
    sample_data=HERE.parent / "sample_data" / "classicmodels",
    relations=Relations(keys=KEYS, references=REFERENCES),
    sizes={"small": _copies(100), "medium": _copies(3_900), "large": _copies(19_000), "xlarge": _copies(190_000)},
    reference=HERE / "star_schema_reference.py",
    reference_arguments=lambda raw, output: ["--raw_path", str(raw), "--output_path", str(output)],
    job_arguments=lambda raw, output, quarantine: [
        "--raw_path",
        str(raw),
        "--output_path",
        str(output),
        "--quarantine_path",
        str(quarantine),
    ],
    tables=["fact_orders", "dim_customers", "dim_products", "dim_locations"],
)

if __name__ == "__main__":
    sys.exit(main(BENCH))
