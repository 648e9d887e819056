"""The minimal job's transform: one raw records table -> one clean, deduplicated table."""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F


def clean_records(records: DataFrame) -> DataFrame:
    """Normalise ``category``, keep the latest version of each ``record_id``, add ``record_date``.

    Ties on ``recorded_at`` keep the larger ``amount`` so reruns always pick the same row.
    """
    latest_first = Window.partitionBy("record_id").orderBy(F.col("recorded_at").desc(), F.col("amount").desc())
    return (
        records.withColumn("category", F.lower(F.trim(F.col("category"))))
        .withColumn("_rank", F.row_number().over(latest_first))
        .where(F.col("_rank") == 1)
        .drop("_rank")
        .withColumn("record_date", F.to_date("recorded_at"))
    )
