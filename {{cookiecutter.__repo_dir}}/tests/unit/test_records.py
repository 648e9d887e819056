from datetime import date, datetime
from decimal import Decimal

from chispa import assert_df_equality
from pyspark.sql import SparkSession

from {{ cookiecutter.job_name }}.domain.records import clean_records
from {{ cookiecutter.job_name }}.kit.declarations import load_contract

OUTPUT_COLUMNS = "record_id int, category string, amount decimal(10,2), recorded_at timestamp, record_date date"


def test_clean_records_keeps_latest_version_and_normalises_category(spark: SparkSession) -> None:
    raw = spark.createDataFrame(
        [
            (1, " Books ", Decimal("12.50"), datetime(2024, 3, 1, 9, 0)),
            (2, "games", Decimal("40.00"), datetime(2024, 3, 1, 10, 30)),
            (2, "Games", Decimal("45.00"), datetime(2024, 3, 2, 8, 0)),
            # Same timestamp twice: the larger amount wins, so reruns agree.
            (3, "music", Decimal("1.00"), datetime(2024, 3, 2, 11, 15)),
            (3, "music", Decimal("7.99"), datetime(2024, 3, 2, 11, 15)),
        ],
        load_contract("records").schema,
    )

    expected = spark.createDataFrame(
        [
            (1, "books", Decimal("12.50"), datetime(2024, 3, 1, 9, 0), date(2024, 3, 1)),
            (2, "games", Decimal("45.00"), datetime(2024, 3, 2, 8, 0), date(2024, 3, 2)),
            (3, "music", Decimal("7.99"), datetime(2024, 3, 2, 11, 15), date(2024, 3, 2)),
        ],
        OUTPUT_COLUMNS,
    )
    # The raw columns keep their contract metadata (comments, value rules); the values are what is compared.
    assert_df_equality(clean_records(raw), expected, ignore_row_order=True, ignore_nullable=True, ignore_metadata=True)
