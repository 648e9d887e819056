"""The star schema's transforms, each against rows written out by hand."""

from datetime import date
from decimal import Decimal

from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession

import {{ cookiecutter.job_name }}.domain.star_schema as star_schema
from builders import Customer, Employee, Office, Order, OrderDetail, Product, ProductLine, location_key
from {{ cookiecutter.job_name }}.kit.testing.frames import frame

NANTES = location_key("Nantes", None, "44000", "France")
LAS_VEGAS = location_key("Las Vegas", "NV", "83030", "USA")
NYC = location_key("NYC", "NY", "10022", "USA")
DUBLIN = location_key("Dublin", None, None, "Ireland")
SAN_FRANCISCO = location_key("San Francisco", "CA", "94080", "USA")


def assert_rows(spark: SparkSession, actual: DataFrame, schema: str, expected_rows: list[tuple[object, ...]]) -> None:
    expected = frame(spark, schema, expected_rows)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_fact_orders_has_one_row_per_order_line_and_keeps_lines_without_an_order(spark: SparkSession) -> None:
    order_details = OrderDetail.frame(
        spark,
        OrderDetail(),
        OrderDetail(),  # exported twice: still one order line
        OrderDetail(product_code="S24_2840", quantity_ordered=3, price_each=Decimal("9.99"), order_line_number=2),
        # The largest price the source can hold: line_amount must not overflow.
        OrderDetail(order_number=10101, quantity_ordered=50, price_each=Decimal("99999999.99")),
        OrderDetail(order_number=10999),  # no such order: kept, with nulls (the integrity check stops the job)
    )
    orders = Order.frame(
        spark,
        Order(),
        Order(),
        Order(
            order_number=10101, order_date=date(2024, 2, 1), shipped_date=None, status="In Process", customer_number=112
        ),
    )
    customers = Customer.frame(
        spark,
        Customer(),
        Customer(customer_number=112, city=" Las Vegas ", state="NV", postal_code="83030", country="USA"),
    )

    shipped, ordered = date(2024, 1, 10), date(2024, 1, 6)
    assert_rows(
        spark,
        star_schema.build_fact_orders(order_details, orders, customers),
        "order_number int, order_line_number int, customer_number int, product_code string, location_key string, "
        "quantity int, price_each decimal(10,2), line_amount decimal(21,2), status string, shipped_date date, "
        "order_date date",
        [
            (10100, 1, 103, "S18_1749", NANTES, 30, Decimal("136.00"), Decimal("4080.00"), "Shipped", shipped, ordered),
            (10100, 2, 103, "S24_2840", NANTES, 3, Decimal("9.99"), Decimal("29.97"), "Shipped", shipped, ordered),
            (10101, 1, 112, "S18_1749", LAS_VEGAS, 50, Decimal("99999999.99"), Decimal("4999999999.50"),
             "In Process", None, date(2024, 2, 1)),
            (10999, 1, None, "S18_1749", None, 30, Decimal("136.00"), Decimal("4080.00"), None, None, None),
        ],
    )  # fmt: skip


def test_dim_customers_adds_location_and_sales_rep_and_keeps_customers_without_one(spark: SparkSession) -> None:
    prospect = Customer(
        customer_number=112,
        customer_name="Signal Gift Stores",
        city="Las Vegas",
        state="NV",
        postal_code="83030",
        country="USA",
        sales_rep_employee_number=None,
        credit_limit=None,
    )
    customers = Customer.frame(spark, Customer(), Customer(), prospect)

    assert_rows(
        spark,
        star_schema.build_dim_customers(customers, Employee.frame(spark, Employee()), Office.frame(spark, Office())),
        "customer_number int, customer_name string, contact_first_name string, contact_last_name string, "
        "phone string, address_line_1 string, address_line_2 string, location_key string, "
        "credit_limit decimal(10,2), sales_rep_employee_number int, sales_rep_name string, "
        "sales_office_location_key string",
        [
            (103, "Atelier graphique", "Carine", "Schmitt", "40.32.2555", "54, rue Royale", None, NANTES,
             Decimal("21000.00"), 1165, "Leslie Jennings", SAN_FRANCISCO),
            (112, "Signal Gift Stores", "Carine", "Schmitt", "40.32.2555", "54, rue Royale", None, LAS_VEGAS,
             None, None, None, None),
        ],
    )  # fmt: skip


def test_dim_products_adds_the_product_line_description(spark: SparkSession) -> None:
    chopper = Product(product_code="S10_1678", product_name="Ultimate Chopper", product_line="Motorcycles")
    products = Product.frame(spark, Product(), Product(), chopper)

    description = "This replica features opening doors, working steering."
    assert_rows(
        spark,
        star_schema.build_dim_products(products, ProductLine.frame(spark, ProductLine())),
        "product_code string, product_name string, product_line string, product_line_description string, "
        "product_scale string, product_vendor string, product_description string, quantity_in_stock int, "
        "buy_price decimal(10,2), msrp decimal(10,2)",
        [
            ("S18_1749", "1917 Grand Touring Sedan", "Vintage Cars", "Scale replicas of the first automobiles.",
             "1:18", "Welly Diecast Productions", description, 2724, Decimal("86.70"), Decimal("170.00")),
            # Unknown product line: the product stays, without a description.
            ("S10_1678", "Ultimate Chopper", "Motorcycles", None,
             "1:18", "Welly Diecast Productions", description, 2724, Decimal("86.70"), Decimal("170.00")),
        ],
    )  # fmt: skip


def test_dim_locations_merges_customer_and_office_addresses_by_normalised_value(spark: SparkSession) -> None:
    customers = Customer.frame(
        spark,
        Customer(),
        Customer(customer_number=104, city="Nantes ", country="france"),  # same place, other spelling
        Customer(customer_number=105, city="NYC", state="NY", postal_code="10022", country="USA"),
        Customer(customer_number=106, city="Dublin", state=" ", postal_code=None, country="Ireland"),
    )
    offices = Office.frame(
        spark,
        Office(),
        Office(office_code="3", city="NYC", state="NY", postal_code="10022", country="USA"),  # a customer's too
    )

    assert_rows(
        spark,
        star_schema.build_dim_locations(customers, offices),
        "location_key string, city string, state string, postal_code string, country string",
        [
            (NANTES, "Nantes", None, "44000", "France"),
            (NYC, "NYC", "NY", "10022", "USA"),
            (DUBLIN, "Dublin", None, None, "Ireland"),
            (SAN_FRANCISCO, "San Francisco", "CA", "94080", "USA"),
        ],
    )


def test_integrity_problems_name_each_broken_key_and_reference_but_not_exact_duplicates(spark: SparkSession) -> None:
    problems = star_schema.find_integrity_problems(
        customers=Customer.frame(
            spark,
            Customer(),
            Customer(),  # exported twice: not a problem
            Customer(customer_number=104, sales_rep_employee_number=None),  # a prospect: no rep is fine
            Customer(customer_number=105, sales_rep_employee_number=1999),
        ),
        employees=Employee.frame(spark, Employee(), Employee(employee_number=1166, office_code="99")),
        offices=Office.frame(spark, Office()),
        orders=Order.frame(
            spark,
            Order(),
            Order(order_number=10101, customer_number=999),
            Order(order_number=10102, customer_number=None),
        ),
        order_details=OrderDetail.frame(
            spark,
            OrderDetail(),
            OrderDetail(product_code="S99_9999", order_line_number=2),
            OrderDetail(order_number=10999),
            OrderDetail(order_number=10999, product_code="S99_9999", order_line_number=2),
        ),
        products=Product.frame(spark, Product(), Product(product_name="Another name for S18_1749")),
        product_lines=ProductLine.frame(spark, ProductLine(), ProductLine(product_line=None)),
    )

    assert_rows(
        spark,
        problems,
        "problem string, key string, rows bigint",
        [
            ("customers.salesRepEmployeeNumber not in employees", "1999", 1),
            ("employees.officeCode not in offices", "99", 1),
            ("orders.customerNumber not in customers", "999", 1),
            ("orders.customerNumber is null", None, 1),
            ("orderdetails.orderNumber not in orders", "10999", 2),
            ("orderdetails.productCode not in products", "S99_9999", 2),
            ("products.productCode is duplicated", "S18_1749", 2),
            ("productlines.productLine is null", None, 1),
        ],
    )


# Each lookup below holds its row twice, as a source exported twice would: every join must still match it once.


def test_fact_orders_is_not_multiplied_by_an_order_or_customer_exported_twice(spark: SparkSession) -> None:
    fact = star_schema.build_fact_orders(
        OrderDetail.frame(spark, OrderDetail(), OrderDetail(product_code="S24_2840", order_line_number=2)),
        Order.frame(spark, Order(), Order()),
        Customer.frame(spark, Customer(), Customer()),
    )

    assert sorted(
        (row.order_number, row.order_line_number, row.status, row.location_key) for row in fact.collect()
    ) == [
        (10100, 1, "Shipped", NANTES),
        (10100, 2, "Shipped", NANTES),
    ]


def test_dim_customers_is_not_multiplied_by_a_sales_rep_or_office_exported_twice(spark: SparkSession) -> None:
    dim = star_schema.build_dim_customers(
        Customer.frame(spark, Customer()),
        Employee.frame(spark, Employee(), Employee()),
        Office.frame(spark, Office(), Office()),
    )

    assert [(row.customer_number, row.sales_rep_name, row.sales_office_location_key) for row in dim.collect()] == [
        (103, "Leslie Jennings", SAN_FRANCISCO)
    ]


def test_dim_products_is_not_multiplied_by_a_product_line_exported_twice(spark: SparkSession) -> None:
    dim = star_schema.build_dim_products(
        Product.frame(spark, Product()), ProductLine.frame(spark, ProductLine(), ProductLine())
    )

    assert [(row.product_code, row.product_line_description) for row in dim.collect()] == [
        ("S18_1749", "Scale replicas of the first automobiles.")
    ]


def test_dim_locations_holds_an_address_exported_twice_once(spark: SparkSession) -> None:
    dim = star_schema.build_dim_locations(
        Customer.frame(spark, Customer(), Customer()), Office.frame(spark, Office(), Office())
    )

    assert sorted(row.location_key for row in dim.collect()) == sorted([NANTES, SAN_FRANCISCO])
