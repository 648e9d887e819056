"""Write the bundled classicmodels sample: small, realistic, and identical on every run.

Usage: python scripts/generate_sample_data.py [--output sample_data/classicmodels]

Standard library only, one seeded random.Random, integer draws and Decimal money (no floats),
so the files are reproducible byte for byte; a test regenerates them and compares.
Values never contain double quotes or backslashes, which Spark's CSV reader escapes differently.
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

SEED = 20240101
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "sample_data" / "classicmodels"
FIRST_ORDER_DATE = date(2024, 1, 2)
ORDER_DAYS = 90
ORDER_COUNT = 40
CENT = Decimal("0.01")

# fmt: off
COLUMNS = {
    "customers": [
        "customerNumber", "customerName", "contactLastName", "contactFirstName", "phone", "addressLine1",
        "addressLine2", "city", "state", "postalCode", "country", "salesRepEmployeeNumber", "creditLimit",
    ],
    "employees": [
        "employeeNumber", "lastName", "firstName", "extension", "email", "officeCode", "reportsTo", "jobTitle",
    ],
    "offices": [
        "officeCode", "city", "phone", "addressLine1", "addressLine2", "state", "country", "postalCode", "territory",
    ],
    "orders": ["orderNumber", "orderDate", "requiredDate", "shippedDate", "status", "comments", "customerNumber"],
    "orderdetails": ["orderNumber", "productCode", "quantityOrdered", "priceEach", "orderLineNumber"],
    "payments": ["customerNumber", "checkNumber", "paymentDate", "amount"],
    "products": [
        "productCode", "productName", "productLine", "productScale", "productVendor", "productDescription",
        "quantityInStock", "buyPrice", "MSRP",
    ],
    "productlines": ["productLine", "textDescription", "htmlDescription", "image"],
}

# officeCode, city, phone, addressLine1, addressLine2, state, country, postalCode, territory
OFFICES = [
    ["1", "San Francisco", "+1 650 219 4782", "100 Market Street", "Suite 300", "CA", "USA", "94080", "NA"],
    ["2", "Boston", "+1 215 837 0825", "1550 Court Place", "Suite 102", "MA", "USA", "02107", "NA"],
    ["3", "NYC", "+1 212 555 3000", "523 East 53rd Street", "apt. 5A", "NY", "USA", "10022", "NA"],
    ["4", "Paris", "+33 14 723 4404", "43 Rue Jouffroy D'abbans", "", "", "France", "75017", "EMEA"],
    ["5", "Tokyo", "+81 33 224 5000", "4-1 Kioicho", "", "Chiyoda-Ku", "Japan", "102-8578", "Japan"],
    ["6", "Sydney", "+61 2 9264 2451", "5-11 Wentworth Avenue", "Floor 2", "", "Australia", "NSW 2010", "APAC"],
    ["7", "London", "+44 20 7877 2041", "25 Old Broad Street", "Level 7", "", "UK", "EC2N 1HN", "EMEA"],
    ["8", "Madrid", "+34 91 555 9444", "Calle de Alcala 42", "", "", "Spain", "28014", "EMEA"],
]

FIRST_NAMES = [
    "Diane", "Mary", "Jeff", "William", "Gerard", "Anthony", "Leslie", "Julie", "Steve", "Foon Yue", "George",
    "Loui", "Gerard", "Pamela", "Larry", "Barry", "Andy", "Peter", "Tom", "Mami", "Yoshimi", "Martin", "Elena",
    "Carine", "Jean", "Janine", "Jonas", "Susan", "Roland", "Julie", "Kwai", "Diego", "Christina", "Paolo",
]
LAST_NAMES = [
    "Murphy", "Patterson", "Firrelli", "Bondur", "Bow", "Jennings", "Thompson", "Tseng", "Vanauf", "Hernandez",
    "Castillo", "Bott", "Jones", "Fixter", "Marsh", "King", "Nishi", "Kato", "Gerard", "Schmitt", "King",
    "Ferguson", "Labrune", "Bergulfsen", "Nelson", "Keitel", "Frick", "Lee", "Freyre", "Berglund", "Petersen",
]
# officeCode -> sales region, and the office each region's sales manager sits in.
REGIONS = {"1": "NA", "2": "NA", "3": "NA", "4": "EMEA", "5": "APAC", "6": "APAC", "7": "EMEA", "8": "EMEA"}
REGION_MANAGERS = {"NA": "2", "EMEA": "4", "APAC": "6"}
SALES_REPS = 10

COMPANY_WORDS = [
    "Atelier", "Signal", "Australian", "La Rochelle", "Baane", "Mini", "Euro", "Volvo", "Danish", "Saveley",
    "Dragon", "Muscle", "Diecast", "Technics", "Handji", "Herkku", "Corporate", "Gift", "Toys4", "Classic",
]
COMPANY_KINDS = ["Gifts", "Collectables", "Wholesalers", "Imports", "Souveniers", "Mart", "Models", "Co.", "Ltd."]
STREETS = [
    "Rue Royale", "Lyonerstr.", "Fauntleroy Circus", "Kirchgasse", "Berguvsvagen", "Erling Skakkes gate",
    "Drammensveien", "Torikatu", "Strada Provinciale", "Hansastr.", "Via Monte Bianco", "North Pendale Street",
]
# city, state, postalCode, country, phone number without its last four digits. Two share an office's
# address (one row in dim_locations), one has no postal code, most have no state.
CUSTOMER_CITIES = [
    ("Nantes", "", "44000", "France", "40.32."),
    ("Las Vegas", "NV", "83030", "USA", "702 555 "),
    ("Melbourne", "Victoria", "3004", "Australia", "03 9520 "),
    ("Stavern", "", "4110", "Norway", "07-98 "),
    ("San Rafael", "CA", "97562", "USA", "415 555 "),
    ("Warszawa", "", "01-012", "Poland", "(26) 642-7"),
    ("Frankfurt", "", "60528", "Germany", "069-066 "),
    ("NYC", "NY", "10022", "USA", "212 555 "),
    ("Madrid", "", "28034", "Spain", "(91) 555 "),
    ("Lulea", "", "S-958 22", "Sweden", "0921-12 "),
    ("Kobenhavn", "", "1734", "Denmark", "31 12 "),
    ("Lyon", "", "69004", "France", "78.32."),
    ("Singapore", "", "079903", "Singapore", "+65 221 "),
    ("Paris", "", "75017", "France", "(1) 42.34."),
    ("Dublin", "", "", "Ireland", "2967 555 "),
    ("Bergamo", "", "24100", "Italy", "035-640"),
]

# productLine, textDescription
PRODUCT_LINES = [
    ("Classic Cars", "Die-cast replicas of the classics, with working steering and opening doors."),
    ("Motorcycles", "Highly detailed die-cast motorcycles, each with official logos and insignias."),
    ("Planes", "Replicas of historic and modern aircraft, from biplanes to jet liners."),
    ("Ships", "Hand-finished model ships, from ocean liners to sailing ships of the line."),
    ("Trains", "Model trains for collectors: locomotives, carriages and tracks in scale."),
    ("Trucks and Buses", "Die-cast trucks and buses with detailed interiors and rubber tyres."),
    ("Vintage Cars", "Scale replicas of the first automobiles, built for the discerning collector."),
]
# productCode prefix -> productScale
SCALES = {"S10": "1:10", "S12": "1:12", "S18": "1:18", "S24": "1:24", "S32": "1:32", "S50": "1:50", "S72": "1:72"}
VENDORS = [
    "Min Lin Diecast", "Classic Metal Creations", "Highway 66 Mini Classics", "Red Start Diecast",
    "Motor City Art Classics", "Second Gear Diecast", "Autoart Studio Design", "Welly Diecast Productions",
    "Unimax Art Galleries", "Studio M Art Models", "Exoto Designs", "Gearbox Collectibles",
]
# fmt: on
# productLine, productName
PRODUCTS = [
    ("Motorcycles", "1969 Harley Davidson Ultimate Chopper"),
    ("Classic Cars", "1952 Alpine Renault 1300"),
    ("Motorcycles", "1996 Moto Guzzi 1100i"),
    ("Classic Cars", "1972 Alfa Romeo GTA"),
    ("Classic Cars", "1962 LanciaA Delta 16V"),
    ("Vintage Cars", "1937 Lincoln Berline"),
    ("Vintage Cars", "1936 Mercedes-Benz 500K Special Roadster"),
    ("Trucks and Buses", "1940 Ford Pickup Truck"),
    ("Trucks and Buses", "1958 Setra Bus"),
    ("Planes", "1980s Black Hawk Helicopter"),
    ("Planes", "P-51-D Mustang"),
    ("Ships", "1999 Yamaha Speed Boat"),
    ("Ships", "The Titanic"),
    ("Trains", "Collectable Wooden Train"),
    ("Trains", "1962 City of Detroit Streetcar"),
]
DETAILS = ["working steering", "opening hood", "rubber tyres", "detailed engine", "authentic paint", "chrome trim"]

STATUSES = ["Shipped"] * 12 + ["In Process", "On Hold", "Cancelled", "Resolved", "Disputed"]
CHECK_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
COMMENTS = {
    "On Hold": "Customer credit limit exceeded. Will ship when a payment is received.",
    "Cancelled": "Customer cancelled the order, the shipment was never sent.",
    "Resolved": "Customer disputed the price of one line; a discount was agreed.",
    "Disputed": "Customer claims the container arrived damaged.",
}


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def build_offices() -> list[list[str]]:
    return [list(office) for office in OFFICES]


def build_employees(rng: random.Random) -> list[list[str]]:
    """A president and two VPs in San Francisco, a sales manager per region, sales reps spread over the offices."""
    numbers = iter(range(1002, 2000, 17))
    president = next(numbers)
    rows = [[str(president), "Murphy", "Diane", "x5800", "dmurphy@classicmodelcars.com", "1", "", "President"]]
    staff: list[tuple[str, str, str]] = [("VP Sales", "1", "president"), ("VP Marketing", "1", "president")]
    staff += [(f"Sales Manager ({region})", office, "president") for region, office in REGION_MANAGERS.items()]
    staff += [("Sales Rep", OFFICES[index % len(OFFICES)][0], "manager") for index in range(SALES_REPS)]
    managers: dict[str, int] = {}
    for title, office, boss in staff:
        number = next(numbers)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        region = REGIONS[office]
        reports_to = president if boss == "president" else managers[region]
        if title.startswith("Sales Manager"):
            managers[region] = number
        email = f"{first[0]}{last}@classicmodelcars.com".replace(" ", "").lower()
        rows.append([str(number), last, first, f"x{rng.randint(100, 9999)}", email, office, str(reports_to), title])
    return rows


def build_customers(rng: random.Random, employees: list[list[str]], count: int = 20) -> list[list[str]]:
    """Customers with a sales rep; the last two have none (prospects), as in the real database."""
    reps = [row[0] for row in employees if row[7] == "Sales Rep"]
    rows: list[list[str]] = []
    number = 103
    names: set[str] = set()
    while len(rows) < count:
        name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"
        if name in names:
            continue
        names.add(name)
        city, state, postal_code, country, phone = CUSTOMER_CITIES[len(rows) % len(CUSTOMER_CITIES)]
        prospect = len(rows) >= count - 2
        rows.append(
            [
                str(number),
                name,
                rng.choice(LAST_NAMES),
                rng.choice(FIRST_NAMES),
                f"{phone}{rng.randint(1000, 9999)}",
                f"{rng.randint(1, 250)} {rng.choice(STREETS)}",
                rng.choice(["", "", "", f"Level {rng.randint(2, 9)}"]),
                city,
                state,
                postal_code,
                country,
                "" if prospect else rng.choice(reps),
                money(Decimal(rng.randint(0, 24) * 5000)),
            ]
        )
        number += rng.randint(1, 40)
    return rows


def build_products(rng: random.Random) -> list[list[str]]:
    rows: list[list[str]] = []
    codes: set[str] = set()
    for line, name in PRODUCTS:
        prefix = rng.choice(sorted(SCALES))
        code = f"{prefix}_{rng.randint(1000, 4999)}"
        while code in codes:
            code = f"{prefix}_{rng.randint(1000, 4999)}"
        codes.add(code)
        buy_price = Decimal(rng.randint(1500, 9500)) / 100
        msrp = buy_price * Decimal(rng.randint(150, 210)) / 100
        details = ", ".join(rng.sample(DETAILS, 3))
        description = f"This replica features {details}. Color {rng.choice(['red', 'black', 'silver', 'blue'])}."
        vendor, in_stock = rng.choice(VENDORS), str(rng.randint(100, 9999))
        rows.append([code, name, line, SCALES[prefix], vendor, description, in_stock, money(buy_price), money(msrp)])
    return rows


def build_orders(
    rng: random.Random, customers: list[list[str]], products: list[list[str]]
) -> tuple[list[list[str]], list[list[str]]]:
    """Orders from customers who have a rep, each with 1-5 lines of distinct products at up to 15% off MSRP."""
    buyers = [row[0] for row in customers if row[11]]
    msrp = {row[0]: Decimal(row[8]) for row in products}
    orders: list[list[str]] = []
    lines: list[list[str]] = []
    order_dates = sorted(FIRST_ORDER_DATE + timedelta(days=rng.randint(0, ORDER_DAYS - 1)) for _ in range(ORDER_COUNT))
    for number, ordered in enumerate(order_dates, start=10100):
        status = rng.choice(STATUSES)
        unshipped = status in ("In Process", "On Hold", "Cancelled") and rng.randint(0, 3) > 0
        shipped = "" if unshipped else (ordered + timedelta(days=rng.randint(1, 6))).isoformat()
        required = (ordered + timedelta(days=rng.randint(7, 10))).isoformat()
        orders.append(
            [str(number), ordered.isoformat(), required, shipped, status, COMMENTS.get(status, ""), rng.choice(buyers)]
        )
        for line_number, code in enumerate(rng.sample(sorted(msrp), rng.randint(1, 5)), start=1):
            price = msrp[code] * Decimal(rng.randint(85, 100)) / 100
            lines.append([str(number), code, str(rng.randint(20, 50)), money(price), str(line_number)])
    return orders, lines


def build_payments(rng: random.Random, orders: list[list[str]], lines: list[list[str]]) -> list[list[str]]:
    """One cheque per shipped order, paid within a month of shipping."""
    totals: dict[str, Decimal] = {}
    for order_number, _, quantity, price, _ in lines:
        totals[order_number] = totals.get(order_number, Decimal(0)) + int(quantity) * Decimal(price)
    rows: list[list[str]] = []
    for order_number, _, _, shipped, _, _, customer in orders:
        if shipped:
            check = "".join(rng.choice(CHECK_LETTERS) for _ in range(2)) + str(rng.randint(100000, 999999))
            paid = date.fromisoformat(shipped) + timedelta(days=rng.randint(3, 30))
            rows.append([customer, check, paid.isoformat(), money(totals[order_number])])
    return rows


def build_product_lines() -> list[list[str]]:
    return [[line, description, "", ""] for line, description in PRODUCT_LINES]


def generate(seed: int = SEED) -> dict[str, list[list[str]]]:
    """Every table's rows (without header), drawn in a fixed order from one generator."""
    rng = random.Random(seed)
    employees = build_employees(rng)
    customers = build_customers(rng, employees)
    products = build_products(rng)
    orders, lines = build_orders(rng, customers, products)
    return {
        "customers": customers,
        "employees": employees,
        "offices": build_offices(),
        "orders": orders,
        "orderdetails": lines,
        "payments": build_payments(rng, orders, lines),
        "products": products,
        "productlines": build_product_lines(),
    }


def write_sample_data(output: Path, seed: int = SEED) -> list[Path]:
    """Write ``<output>/<table>/<table>.csv`` for every table; returns the files written."""
    written = []
    for table, rows in generate(seed).items():
        path = output / table / f"{table}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(COLUMNS[table])
            writer.writerows(rows)
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="folder to write the tables under")
    args = parser.parse_args()
    for path in write_sample_data(args.output):
        print(path)


if __name__ == "__main__":
    main()
