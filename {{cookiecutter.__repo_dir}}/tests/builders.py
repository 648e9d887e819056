"""Test-data builders for the classicmodels tables: a test states only the fields it cares about.

Each dataclass is one raw row with valid defaults, and the defaults agree with each other: the
default order line belongs to the default order, product and customer, so a table built from
defaults alone passes every integrity check. ``Customer.frame(spark, Customer(), ...)`` makes a
DataFrame with the table's contract schema. Field names are the source columns in snake_case, in
schema order. ``frame`` also builds the expected output of a test from plain tuples.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import astuple, dataclass, fields
from datetime import date
from decimal import Decimal
from typing import ClassVar

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StructType

from {{ cookiecutter.job_name }}.kit.declarations import load_contract
from {{ cookiecutter.job_name }}.kit.testing.frames import frame


def snake_case(name: str) -> str:
    """``salesRepEmployeeNumber`` -> ``sales_rep_employee_number``; ``MSRP`` -> ``msrp``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def location_key(city: str | None, state: str | None, postal_code: str | None, country: str | None) -> str:
    """The documented location key, recomputed without Spark: SHA-256 of the trimmed, lower-cased
    fields (missing ones empty), joined by the ASCII unit separator."""
    parts = [(part or "").strip().lower() for part in (city, state, postal_code, country)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class RawRow:
    SCHEMA: ClassVar[StructType]

    @classmethod
    def frame(cls, spark: SparkSession, *rows: RawRow) -> DataFrame:
        """A DataFrame of ``rows`` (none: an empty table) with the table's schema."""
        expected = [snake_case(field.name) for field in cls.SCHEMA.fields]
        actual = [field.name for field in fields(cls)]
        if actual != expected:
            raise TypeError(f"{cls.__name__} fields {actual} do not follow its schema's columns {expected}")
        strangers = [row for row in rows if type(row) is not cls]
        if strangers:
            raise TypeError(f"{cls.__name__}.frame got rows of another table: {strangers}")
        return frame(spark, cls.SCHEMA, [astuple(row) for row in rows])


@dataclass(frozen=True)
class Office(RawRow):
    SCHEMA = load_contract("offices").schema
    office_code: str | None = "1"
    city: str | None = "San Francisco"
    phone: str | None = "+1 650 219 4782"
    address_line1: str | None = "100 Market Street"
    address_line2: str | None = "Suite 300"
    state: str | None = "CA"
    country: str | None = "USA"
    postal_code: str | None = "94080"
    territory: str | None = "NA"


@dataclass(frozen=True)
class Employee(RawRow):
    SCHEMA = load_contract("employees").schema
    employee_number: int | None = 1165
    last_name: str | None = "Jennings"
    first_name: str | None = "Leslie"
    extension: str | None = "x3291"
    email: str | None = "ljennings@classicmodelcars.com"
    office_code: str | None = "1"
    reports_to: int | None = 1143
    job_title: str | None = "Sales Rep"


@dataclass(frozen=True)
class Customer(RawRow):
    SCHEMA = load_contract("customers").schema
    customer_number: int | None = 103
    customer_name: str | None = "Atelier graphique"
    contact_last_name: str | None = "Schmitt"
    contact_first_name: str | None = "Carine"
    phone: str | None = "40.32.2555"
    address_line1: str | None = "54, rue Royale"
    address_line2: str | None = None
    city: str | None = "Nantes"
    state: str | None = None
    postal_code: str | None = "44000"
    country: str | None = "France"
    sales_rep_employee_number: int | None = 1165
    credit_limit: Decimal | None = Decimal("21000.00")


@dataclass(frozen=True)
class Order(RawRow):
    SCHEMA = load_contract("orders").schema
    order_number: int | None = 10100
    order_date: date | None = date(2024, 1, 6)
    required_date: date | None = date(2024, 1, 13)
    shipped_date: date | None = date(2024, 1, 10)
    status: str | None = "Shipped"
    comments: str | None = None
    customer_number: int | None = 103


@dataclass(frozen=True)
class OrderDetail(RawRow):
    SCHEMA = load_contract("orderdetails").schema
    order_number: int | None = 10100
    product_code: str | None = "S18_1749"
    quantity_ordered: int | None = 30
    price_each: Decimal | None = Decimal("136.00")
    order_line_number: int | None = 1


@dataclass(frozen=True)
class Product(RawRow):
    SCHEMA = load_contract("products").schema
    product_code: str | None = "S18_1749"
    product_name: str | None = "1917 Grand Touring Sedan"
    product_line: str | None = "Vintage Cars"
    product_scale: str | None = "1:18"
    product_vendor: str | None = "Welly Diecast Productions"
    product_description: str | None = "This replica features opening doors, working steering."
    quantity_in_stock: int | None = 2724
    buy_price: Decimal | None = Decimal("86.70")
    msrp: Decimal | None = Decimal("170.00")


@dataclass(frozen=True)
class ProductLine(RawRow):
    SCHEMA = load_contract("productlines").schema
    product_line: str | None = "Vintage Cars"
    text_description: str | None = "Scale replicas of the first automobiles."
    html_description: str | None = None
    image: str | None = None
