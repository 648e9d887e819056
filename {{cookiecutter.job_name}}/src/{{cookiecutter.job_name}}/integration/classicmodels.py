"""The classicmodels sales database as CSV exports: one folder per table, explicit schemas.

Column names are the source's own (camelCase); the domain renames them to snake_case.
Keys are declared non-nullable to document the source contract; the CSV reader does not
enforce nullability, so the domain's integrity check is what stops a null key.
"""

from __future__ import annotations

from pyspark.sql.types import DataType, DateType, DecimalType, IntegerType, StringType, StructField, StructType

MONEY = DecimalType(10, 2)


def _key(name: str, data_type: DataType) -> StructField:
    return StructField(name, data_type, nullable=False)


def _column(name: str, data_type: DataType) -> StructField:
    return StructField(name, data_type, nullable=True)


CUSTOMERS_SCHEMA = StructType(
    [
        _key("customerNumber", IntegerType()),
        _column("customerName", StringType()),
        _column("contactLastName", StringType()),
        _column("contactFirstName", StringType()),
        _column("phone", StringType()),
        _column("addressLine1", StringType()),
        _column("addressLine2", StringType()),
        _column("city", StringType()),
        _column("state", StringType()),
        _column("postalCode", StringType()),
        _column("country", StringType()),
        _column("salesRepEmployeeNumber", IntegerType()),
        _column("creditLimit", MONEY),
    ]
)

EMPLOYEES_SCHEMA = StructType(
    [
        _key("employeeNumber", IntegerType()),
        _column("lastName", StringType()),
        _column("firstName", StringType()),
        _column("extension", StringType()),
        _column("email", StringType()),
        _column("officeCode", StringType()),
        _column("reportsTo", IntegerType()),
        _column("jobTitle", StringType()),
    ]
)

OFFICES_SCHEMA = StructType(
    [
        _key("officeCode", StringType()),
        _column("city", StringType()),
        _column("phone", StringType()),
        _column("addressLine1", StringType()),
        _column("addressLine2", StringType()),
        _column("state", StringType()),
        _column("country", StringType()),
        _column("postalCode", StringType()),
        _column("territory", StringType()),
    ]
)

ORDERS_SCHEMA = StructType(
    [
        _key("orderNumber", IntegerType()),
        _column("orderDate", DateType()),
        _column("requiredDate", DateType()),
        _column("shippedDate", DateType()),
        _column("status", StringType()),
        _column("comments", StringType()),
        _column("customerNumber", IntegerType()),
    ]
)

ORDER_DETAILS_SCHEMA = StructType(
    [
        _key("orderNumber", IntegerType()),
        _key("productCode", StringType()),
        _column("quantityOrdered", IntegerType()),
        _column("priceEach", MONEY),
        _column("orderLineNumber", IntegerType()),
    ]
)

PAYMENTS_SCHEMA = StructType(
    [
        _key("customerNumber", IntegerType()),
        _key("checkNumber", StringType()),
        _column("paymentDate", DateType()),
        _column("amount", MONEY),
    ]
)

PRODUCTS_SCHEMA = StructType(
    [
        _key("productCode", StringType()),
        _column("productName", StringType()),
        _column("productLine", StringType()),
        _column("productScale", StringType()),
        _column("productVendor", StringType()),
        _column("productDescription", StringType()),
        _column("quantityInStock", IntegerType()),
        _column("buyPrice", MONEY),
        _column("MSRP", MONEY),
    ]
)

PRODUCT_LINES_SCHEMA = StructType(
    [
        _key("productLine", StringType()),
        _column("textDescription", StringType()),
        _column("htmlDescription", StringType()),
        # A blob in the source database; CSV exports leave it empty.
        _column("image", StringType()),
    ]
)

# Table name (also its folder under the raw path) -> schema.
CLASSICMODELS_SCHEMAS: dict[str, StructType] = {
    "customers": CUSTOMERS_SCHEMA,
    "employees": EMPLOYEES_SCHEMA,
    "offices": OFFICES_SCHEMA,
    "orders": ORDERS_SCHEMA,
    "orderdetails": ORDER_DETAILS_SCHEMA,
    "payments": PAYMENTS_SCHEMA,
    "products": PRODUCTS_SCHEMA,
    "productlines": PRODUCT_LINES_SCHEMA,
}


def table_path(raw_path: str, table: str) -> str:
    """``<raw_path>/<table>``: works for local folders and ``s3://`` prefixes alike."""
    return f"{raw_path.rstrip('/')}/{table}"
