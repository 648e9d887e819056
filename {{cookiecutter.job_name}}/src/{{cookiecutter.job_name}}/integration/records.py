"""The minimal job's datasets: where they are and their explicit schemas."""

from __future__ import annotations

from pyspark.sql.types import DecimalType, IntegerType, StringType, StructField, StructType, TimestampType

RECORDS_SCHEMA = StructType(
    [
        StructField("record_id", IntegerType(), nullable=False),
        StructField("category", StringType(), nullable=True),
        StructField("amount", DecimalType(10, 2), nullable=True),
        StructField("recorded_at", TimestampType(), nullable=False),
    ]
)
