"""The minimal job's datasets: which contracts they follow and how bad input rows are handled."""

from __future__ import annotations

from ..contracts.compliance import Policy

INPUT_DATASET = "records"
OUTPUT_DATASET = "clean_records"

# A record without a key cannot be deduplicated, and a malformed one cannot be trusted; either is
# set aside with its reason so the rest of the batch still lands.
INPUT_POLICY = Policy.QUARANTINE
