"""The classicmodels sales database as CSV exports: which tables the job reads, where, and how bad rows are handled.

Each table lives in its own folder under the raw path; its schema is its contract
(``contracts/schemas/<table>.*``). Column names are the source's own (camelCase); the domain
renames them to snake_case.
"""

from __future__ import annotations

from ..contracts.compliance import Policy

# payments is not read: it is a grain of its own (a cheque per customer, not tied to an order),
# so it belongs to a future fact_payments, not to these four tables.
SOURCE_TABLES = ("customers", "employees", "offices", "orders", "orderdetails", "products", "productlines")

# A bad row in a lookup table or an order header is set aside and the rebuild goes on: if anything
# refers to it, the integrity check stops the run anyway, so nothing is orphaned silently.
# A bad order line fails the run: leaving it out would change revenue with nothing else noticing.
SOURCE_POLICIES: dict[str, Policy] = {
    "customers": Policy.QUARANTINE,
    "employees": Policy.QUARANTINE,
    "offices": Policy.QUARANTINE,
    "orders": Policy.QUARANTINE,
    "orderdetails": Policy.FAIL,
    "products": Policy.QUARANTINE,
    "productlines": Policy.QUARANTINE,
}


def table_path(raw_path: str, table: str) -> str:
    """``<raw_path>/<table>``: works for local folders and ``s3://`` prefixes alike."""
    return f"{raw_path.rstrip('/')}/{table}"
