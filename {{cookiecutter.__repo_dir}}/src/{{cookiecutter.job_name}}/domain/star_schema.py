"""The star schema's transforms: classicmodels tables -> fact_orders and its three dimensions.

Inputs carry the source's column names (see ``integration/classicmodels.py``); outputs are snake_case.
Customers and products keep their natural keys (stable in the source); locations have none, so
they get a hash key (see ``location_key``). Joins are left joins, so no order line is ever
dropped. Exact duplicate rows are dropped; conflicting duplicates and dangling references are
reported by ``find_integrity_problems`` rather than guessed at: they would multiply order lines
or leave them without their order, customer or product.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import DecimalType

# quantity (int -> decimal(10,0)) * price (decimal(10,2)) needs 21 digits: it can never overflow.
LINE_AMOUNT_TYPE = DecimalType(21, 2)
# The ASCII unit separator never appears in an address, so ("a b", "c") and ("a", "b c") hash apart.
KEY_SEPARATOR = "\x1f"
# Output name -> source name, in output order, for the address fields customers and offices share.
LOCATION_FIELDS = {"city": "city", "state": "state", "postal_code": "postalCode", "country": "country"}

Transform = Callable[[DataFrame], DataFrame]


def _blank_to_null(column: Column) -> Column:
    trimmed = F.trim(column)
    return F.when(trimmed != "", trimmed)


def location_key() -> Column:
    """sha2-256 of the trimmed, lower-cased city, state, postal code and country of a raw row.

    Derived from the values alone, so every run, backfill and partition computes the same key
    with no lookup of earlier output, and any tool can recompute it (it is plain SHA-256).
    A sequence (row_number, monotonically_increasing_id) would renumber on every run and
    break facts written earlier. Blank and null count as the same (missing) value.
    """
    parts = [F.coalesce(F.lower(_blank_to_null(F.col(source))), F.lit("")) for source in LOCATION_FIELDS.values()]
    return F.sha2(F.concat_ws(KEY_SEPARATOR, *parts), 256)


def _select(columns: dict[str, Column | str]) -> Transform:
    """Project to ``{output name: source column}``, in the dict's order."""

    def select(df: DataFrame) -> DataFrame:
        return df.select(
            *[(F.col(source) if isinstance(source, str) else source).alias(name) for name, source in columns.items()]
        )

    return select


def _left_join(other: DataFrame, on: str) -> Transform:
    """Keep every row of the left side: a missing match becomes nulls, never a dropped row."""

    def join(df: DataFrame) -> DataFrame:
        return df.join(other, on=on, how="left")

    return join


def build_fact_orders(order_details: DataFrame, orders: DataFrame, customers: DataFrame) -> DataFrame:
    """One row per order line, with its order's date, status and customer, and the customer's location."""
    order_headers = orders.select("orderNumber", "orderDate", "shippedDate", "status", "customerNumber").distinct()
    customer_locations = customers.select("customerNumber", location_key().alias("location_key")).distinct()
    return (
        order_details.distinct()
        .transform(_left_join(order_headers, on="orderNumber"))
        .transform(_left_join(customer_locations, on="customerNumber"))
        .transform(
            _select(
                {
                    "order_number": "orderNumber",
                    "order_line_number": "orderLineNumber",
                    "customer_number": "customerNumber",
                    "product_code": "productCode",
                    "location_key": "location_key",
                    "quantity": "quantityOrdered",
                    "price_each": "priceEach",
                    "line_amount": (F.col("quantityOrdered") * F.col("priceEach")).cast(LINE_AMOUNT_TYPE),
                    "status": "status",
                    "shipped_date": "shippedDate",
                    "order_date": "orderDate",
                }
            )
        )
    )


def build_dim_customers(customers: DataFrame, employees: DataFrame, offices: DataFrame) -> DataFrame:
    """One row per customer, with its location and its sales rep's name and office location.

    A customer without a sales rep keeps null rep fields.
    """
    office_locations = offices.select("officeCode", location_key().alias("sales_office_location_key")).distinct()
    sales_reps = (
        employees.select(
            F.col("employeeNumber").alias("salesRepEmployeeNumber"),
            F.concat_ws(" ", "firstName", "lastName").alias("sales_rep_name"),
            "officeCode",
        )
        .distinct()
        .transform(_left_join(office_locations, on="officeCode"))
    )
    return (
        customers.distinct()
        .withColumn("location_key", location_key())
        .transform(_left_join(sales_reps, on="salesRepEmployeeNumber"))
        .transform(
            _select(
                {
                    "customer_number": "customerNumber",
                    "customer_name": "customerName",
                    "contact_first_name": "contactFirstName",
                    "contact_last_name": "contactLastName",
                    "phone": "phone",
                    "address_line_1": "addressLine1",
                    "address_line_2": "addressLine2",
                    "location_key": "location_key",
                    "credit_limit": "creditLimit",
                    "sales_rep_employee_number": "salesRepEmployeeNumber",
                    "sales_rep_name": "sales_rep_name",
                    "sales_office_location_key": "sales_office_location_key",
                }
            )
        )
    )


def build_dim_products(products: DataFrame, product_lines: DataFrame) -> DataFrame:
    """One row per product, with its product line's text description."""
    line_descriptions = product_lines.select("productLine", "textDescription").distinct()
    return (
        products.distinct()
        .transform(_left_join(line_descriptions, on="productLine"))
        .transform(
            _select(
                {
                    "product_code": "productCode",
                    "product_name": "productName",
                    "product_line": "productLine",
                    "product_line_description": "textDescription",
                    "product_scale": "productScale",
                    "product_vendor": "productVendor",
                    "product_description": "productDescription",
                    "quantity_in_stock": "quantityInStock",
                    "buy_price": "buyPrice",
                    "msrp": "MSRP",
                }
            )
        )
    )


def build_dim_locations(customers: DataFrame, offices: DataFrame) -> DataFrame:
    """One row per distinct address (city, state, postal code, country) of customers and offices.

    Values are trimmed and blanks become null. Spellings that differ only in case share a key;
    the row keeps the smallest spelling, so reruns agree.
    """
    fields = {name: _blank_to_null(F.col(source)) for name, source in LOCATION_FIELDS.items()}
    addresses = _select({"location_key": location_key(), **fields})
    return (
        customers.transform(addresses)
        .unionByName(offices.transform(addresses))
        .groupBy("location_key")
        .agg(*[F.min(name).alias(name) for name in LOCATION_FIELDS])
    )


# Each source table's key, and the references it holds: column -> (parent table, parent key).
KEYS: dict[str, list[str]] = {
    "customers": ["customerNumber"],
    "employees": ["employeeNumber"],
    "offices": ["officeCode"],
    "orders": ["orderNumber"],
    "orderdetails": ["orderNumber", "productCode"],
    "products": ["productCode"],
    "productlines": ["productLine"],
}
REFERENCES: dict[str, dict[str, tuple[str, str]]] = {
    "customers": {"salesRepEmployeeNumber": ("employees", "employeeNumber")},
    "employees": {"officeCode": ("offices", "officeCode")},
    "orders": {"customerNumber": ("customers", "customerNumber")},
    "orderdetails": {"orderNumber": ("orders", "orderNumber"), "productCode": ("products", "productCode")},
    "products": {"productLine": ("productlines", "productLine")},
}
# A customer without a sales rep is a prospect, not an error.
OPTIONAL_REFERENCES = {"customers.salesRepEmployeeNumber"}


# Every referencing column, numbered: an entry carries the number, so every aggregate buffer of the
# integrity check is fixed-width and Spark can aggregate by hash (a string min or max makes it sort).
REFERENCING_COLUMNS = [f"{table}.{column}" for table, columns in REFERENCES.items() for column in columns]


def _entry(subject: Column, table: str, key: Column, row: list[str] | None, referenced_by: str | None) -> Column:
    fingerprint = _fingerprint(row) if row is not None else None
    return F.struct(
        subject.alias("subject"),
        F.lit(table).alias("table"),
        key.alias("key"),
        F.lit(0 if row is None else 1).alias("is_row"),
        (F.lit(None).cast("bigint") if fingerprint is None else fingerprint[0]).alias("xxhash64"),
        (F.lit(None).cast("int") if fingerprint is None else fingerprint[1]).alias("murmur3"),
        F.lit(None if referenced_by is None else REFERENCING_COLUMNS.index(referenced_by))
        .cast("int")
        .alias("referenced_by"),
    )


def _fingerprint(columns: list[str]) -> tuple[Column, Column]:
    """Two hashes of a whole row (96 bits), to tell rows apart: far cheaper than the row as text.

    Each value is hashed with whether it is null, so ``("a", null)`` and ``(null, "a")`` differ.
    """
    parts = [part for column in columns for part in (F.col(column), F.col(column).isNull())]
    return F.xxhash64(*parts), F.hash(*parts)


def _entries(table: DataFrame, name: str) -> DataFrame:
    """One pass over ``table``: each row under its own key, plus one entry per reference it holds.

    A row carries its fingerprint, to tell exact duplicates (harmless) from conflicting ones.
    A null reference is filed under the referencing column, so it is reported as a null.
    """
    key = KEYS[name]
    # concat (not concat_ws) is null when any part is null, so a partial key counts as a null key.
    key_value = F.concat(*[part for column in key for part in (F.lit("/"), F.col(column).cast("string"))][1:])
    own_subject = f"{name}.{'+'.join(key)}"
    entries = [_entry(F.lit(own_subject), name, key_value, table.columns, None)]
    for column, (parent, parent_key) in REFERENCES.get(name, {}).items():
        referenced_by = f"{name}.{column}"
        value = F.col(column)
        subject = F.when(value.isNull(), F.lit(referenced_by)).otherwise(F.lit(f"{parent}.{parent_key}"))
        entry = _entry(subject, parent, value.cast("string"), None, referenced_by)
        entries.append(F.when(value.isNotNull(), entry) if referenced_by in OPTIONAL_REFERENCES else entry)
    return table.select(F.explode(F.array(*entries)).alias("entry")).where(F.col("entry").isNotNull()).select("entry.*")


def find_integrity_problems(
    *,
    customers: DataFrame,
    employees: DataFrame,
    offices: DataFrame,
    orders: DataFrame,
    order_details: DataFrame,
    products: DataFrame,
    product_lines: DataFrame,
) -> DataFrame:
    """Every broken key or reference the builders rely on, as ``problem``, ``key``, ``rows``; empty when sound.

    A dangling reference leaves an order line without its order, customer or product; a key held by
    two different rows multiplies every row joined to it. Neither can be repaired without guessing.
    Rows and references meet under their key in one groupBy: one shuffle for every check.
    """
    tables = {
        "customers": customers,
        "employees": employees,
        "offices": offices,
        "orders": orders,
        "orderdetails": order_details,
        "products": products,
        "productlines": product_lines,
    }
    entries = [_entries(table, name) for name, table in tables.items()]
    grouped = (
        reduce(DataFrame.unionByName, entries)
        .groupBy("subject", "table", "key")
        .agg(
            F.sum("is_row").alias("rows"),
            F.count(F.lit(1)).alias("entries"),
            F.min("xxhash64").alias("min_xxhash64"),
            F.max("xxhash64").alias("max_xxhash64"),
            F.min("murmur3").alias("min_murmur3"),
            F.max("murmur3").alias("max_murmur3"),
            F.min("referenced_by").alias("referenced_by"),
        )
    )
    referenced_by = F.element_at(F.array(*map(F.lit, REFERENCING_COLUMNS)), F.col("referenced_by") + 1)
    conflicting = (F.col("min_xxhash64") != F.col("max_xxhash64")) | (F.col("min_murmur3") != F.col("max_murmur3"))
    problem = (
        F.when(F.col("key").isNull(), F.concat("subject", F.lit(" is null")))
        .when(F.col("rows") == 0, F.concat(referenced_by, F.lit(" not in "), "table"))
        .when(conflicting, F.concat("subject", F.lit(" is duplicated")))
    )
    return grouped.select(
        problem.alias("problem"),
        "key",
        F.when(F.col("rows") > 0, F.col("rows")).otherwise(F.col("entries")).alias("rows"),
    ).where(F.col("problem").isNotNull())
