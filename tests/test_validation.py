"""Exact validation messages, built from tiny files in tmp_path."""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from planner import names
from planner.errors import DataWarning, InputError, MappingError
from planner.history.load import load_dataset

pytestmark = pytest.mark.filterwarnings("ignore::planner.errors.DataWarning")

SALES = """\
date,seat,product,segment,amount,units
2026-01-05,S1,P1,retail,100,1
2026-01-06,S2,P2,retail,50,2
2026-02-03,S1,P2,private,20.5,1
"""
SEATS = """\
seat,team,grade,start_date,end_date
S1,T1,A,2025-01-01,
S2,T2,B,2025-06-01,2026-06-30
"""
PRODUCTS = """\
product,ticket_mode,fixed_ticket,margin_tier,sell_from_month,sell_to_month
P1,fixed,1000000,high,,
P2,variable,,low,3,9
"""
CUSTOMERS = """\
month,segment,stock,new,attrition,aum
2026-01,retail,100,10,5,1000
2026-01,private,20,1,0,5000
"""
NEGATIVE = ("is negative; mark returns in the mapping ([sales.options] returns = true) "
            "or fix the row")
NOT_A_DATE = ("is not a date; expected a date like 2026-03-31, or set date_format in the "
              "mapping's [sales.options]")


def write(folder: Path, **files: str) -> Path:
    for name, text in files.items():
        stem, suffix = name.rsplit("_", 1)
        (folder / f"{stem}.{suffix}").write_text(textwrap.dedent(text))
    return folder


def problems(folder: Path, mapping: object = None) -> list[str]:
    with pytest.raises(InputError) as info:
        load_dataset(folder, mapping)  # type: ignore[arg-type]
    return [str(p) for p in info.value.problems]


def test_every_problem_of_every_file_reported_together(tmp_path: Path) -> None:
    write(tmp_path, sales_csv="""\
        date,seat,product,segment,amount,units
        2026-01-05,S1,P1,retail,100,1
        2026-01-06,S2,P2,retail,-5,2
        2026-13-01,S3,P1,retail,abc,1
        ,S1,P9,retail,10,-1
        """, seats_csv="""\
        seat,team,grade,start_date,end_date
        S1,T1,A,2025-01-01,
        S2,T1,,2025-03-01,2025-01-01
        S1,T2,B,,
        """, products_csv="""\
        product,ticket_mode,fixed_ticket,margin_tier,sell_from_month,sell_to_month
        P1,fixed,0,high,1,13
        P2,fix,,premium,0.5,
        """, customers_csv="""\
        month,segment,stock
        2026-01,retail,100
        2026-01,retail,120
        2026-xx,retail,1
        """)
    with pytest.raises(InputError) as info:
        load_dataset(tmp_path)
    assert str(info.value).startswith("17 problems in input data:\n  seats.csv row 3")
    assert [str(p) for p in info.value.problems] == [
        "seats.csv row 3 column 'grade': value is missing; give every seat a grade "
        "(use 'all' when grades are not used)",
        "seats.csv row 4 column 'seat': 'S1' is a duplicate of row 2; keep one row per seat",
        "seats.csv row 3 column 'end_date': '2025-01-01' is before the start date "
        "'2025-03-01'; fix the dates, or leave it empty while the seat is active",
        "products.csv row 3 column 'ticket_mode': 'fix' is not a ticket mode; "
        "use fixed or variable",
        "products.csv row 2 column 'fixed_ticket': '0' must be a positive number when "
        "ticket_mode is fixed; enter the ticket size or set ticket_mode to variable",
        "products.csv row 3 column 'margin_tier': 'premium' is not a margin tier; "
        "use high, standard or low",
        "products.csv row 3 column 'sell_from_month': '0.5' is not a month number; "
        "use 1 to 12, or leave it empty for all year",
        "products.csv row 2 column 'sell_to_month': '13' is not a month number; "
        "use 1 to 12, or leave it empty for all year",
        "customers.csv row 4 column 'month': '2026-xx' is not a month; "
        "expected a month like 2026-03",
        "customers.csv row 3 column 'month': '2026-01' with segment 'retail' is a duplicate "
        "of row 2; keep one row per month and segment",
        f"sales.csv row 4 column 'date': '2026-13-01' {NOT_A_DATE}",
        "sales.csv row 4 column 'amount': 'abc' is not a number; expected a number like 1234.5",
        "sales.csv row 5 column 'date': value is missing; fill it in, remove the row, or drop "
        "such rows in the mapping ([sales.options] drop_missing = [\"date\"])",
        f"sales.csv row 3 column 'amount': '-5' {NEGATIVE}",
        f"sales.csv row 5 column 'units': '-1' {NEGATIVE}",
        "sales.csv row 4 column 'seat': 'S3' is not a seat in seats.csv; add it to seats.csv "
        "or fix the row",
        "sales.csv row 5 column 'product': 'P9' is not a product in products.csv; add it to "
        "products.csv or fix the row",
    ]


def test_negative_amount_message(tmp_path: Path) -> None:
    rows = "".join(f"2026-01-{d:02d},S1,P1,{amount}\n"
                   for d, amount in enumerate([10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -5], 1))
    write(tmp_path, sales_csv="date,seat,product,amount\n" + rows)
    assert problems(tmp_path) == [f"sales.csv row 14 column 'amount': '-5' {NEGATIVE}"]


def test_parquet_values_shown_as_typed(tmp_path: Path) -> None:
    pd.DataFrame({"date": pd.to_datetime(["2026-01-05", "2026-01-06"]), "seat": ["S1", "S1"],
                  "product": ["P1", "P1"], "amount": [1.5, -5.0]}).to_parquet(
        tmp_path / "sales.parquet")
    assert problems(tmp_path) == [f"sales.parquet row 3 column 'amount': -5.0 {NEGATIVE}"]


def test_messages_name_the_users_columns(tmp_path: Path) -> None:
    write(tmp_path, data_csv="""\
        Day,Desk,Item,Qty,Price
        2026-01-05,S1,P1,2,x
        2026-01-06,S2,P2,-1,3
        """, m_toml="""\
        [sales]
        file = "data.csv"
        [sales.columns]
        date = "Day"
        seat = "Desk"
        product = "Item"
        units = "Qty"
        amount = { multiply = ["Qty", "Price"] }
        """)
    assert problems(tmp_path, tmp_path / "m.toml") == [
        "data.csv row 2 column 'Price': 'x' is not a number; expected a number like 1234.5",
        f"data.csv row 3 column 'Qty * Price': -3.0 {NEGATIVE}",
        f"data.csv row 3 column 'Qty': '-1' {NEGATIVE}",
    ]


def test_at_most_twenty_rows_per_problem_then_a_count(tmp_path: Path) -> None:
    rows = "".join(f"2026-01-05,S1,P1,bad{i}\n" for i in range(1254))
    rows += "".join(f"{d:02d}/01/2026,S1,P1,1\n" for d in range(1, 4))
    write(tmp_path, sales_csv="date,seat,product,amount\n" + rows)
    found = problems(tmp_path)
    assert len(found) == 3 + 21
    assert found[0] == f"sales.csv row 1256 column 'date': '01/01/2026' {NOT_A_DATE}"
    assert found[3] == ("sales.csv row 2 column 'amount': 'bad0' is not a number; "
                        "expected a number like 1234.5")
    assert found[22].startswith("sales.csv row 21 column 'amount': 'bad19' ")
    assert found[23] == "sales.csv column 'amount': and 1,234 more rows with the same problem"


def test_two_kinds_of_problem_in_one_column_each_get_a_count(tmp_path: Path) -> None:
    rows = "".join(f"2026-01-05,S1,P1,{v}{i}\n" for i in range(22) for v in ("x", "-"))
    write(tmp_path, sales_csv="date,seat,product,amount\n" + rows)
    found = problems(tmp_path)
    assert found[20:23] == [
        "sales.csv column 'amount': and 2 more rows with the same problem",
        f"sales.csv row 5 column 'amount': '-1' {NEGATIVE}",
        f"sales.csv row 7 column 'amount': '-2' {NEGATIVE}"]
    assert found[-1] == "sales.csv column 'amount': and 1 more row with the same problem"
    assert len(found) == 42


def test_date_format_message_shows_an_example(tmp_path: Path) -> None:
    write(tmp_path, sales_csv="d,seat,product,amount\n31/01/2026,S1,P1,1\n2026-02-01,S1,P1,1\n")
    (tmp_path / "m.toml").write_text(
        '[sales.columns]\ndate = "d"\n[sales.options]\ndate_format = "%d/%m/%Y"\n')
    assert problems(tmp_path, tmp_path / "m.toml") == [
        "sales.csv row 3 column 'd': '2026-02-01' is not a date; expected a date like "
        "31/03/2026 (date_format '%d/%m/%Y')",
    ]


def test_missing_required_columns_name_found_columns(tmp_path: Path) -> None:
    write(tmp_path, sales_csv="Date,Seat,product,value\n2026-01-05,S1,P1,1\n",
          seats_csv="seat,team\nS1,T1\n")
    assert problems(tmp_path) == [
        "seats.csv: missing column 'grade' (found: seat, team); rename it or map it in the "
        "mapping's [seats.columns]",
        "sales.csv: missing column 'date' (found: Date, Seat, product, value); rename it or "
        "map it in the mapping's [sales.columns]",
        "sales.csv: missing column 'seat' (found: Date, Seat, product, value); rename it or "
        "map it in the mapping's [sales.columns]",
        "sales.csv: missing column 'amount' (found: Date, Seat, product, value); rename it or "
        "map it in the mapping's [sales.columns]",
    ]


def test_mapped_column_missing(tmp_path: Path) -> None:
    write(tmp_path, sales_csv=SALES)
    (tmp_path / "m.toml").write_text('[sales.columns]\namount = "Revenue"\n')
    assert problems(tmp_path, tmp_path / "m.toml") == [
        "sales.csv: missing column 'Revenue', mapped to 'amount' in [sales.columns] of m.toml "
        "(found: date, seat, product, segment, amount, units); fix the mapping or the file's "
        "header",
    ]


def test_missing_files(tmp_path: Path) -> None:
    assert problems(tmp_path) == [
        f"{tmp_path}: has no sales file; expected one of sales.csv, sales.parquet, "
        "sales.xlsx, sales.csv.gz, or a mapping naming it",
    ]
    (tmp_path / "m.toml").write_text('[sales]\nfile = "history.csv"\n')
    assert problems(tmp_path, tmp_path / "m.toml") == [
        f"history.csv: not found in {tmp_path} (named in [sales] file of m.toml); "
        "check the file name or the folder",
    ]
    with pytest.raises(InputError, match="is not a folder; give the folder that holds"):
        load_dataset(tmp_path / "nowhere")


def test_empty_and_headless_files(tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text("")
    (tmp_path / "seats.csv").write_text("seat,team,grade\n")
    assert problems(tmp_path) == [
        "sales.csv: is empty; it needs a header row and at least one data row",
        "seats.csv: has no data rows; add rows below the header row",
    ]


def test_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text("date,seat,product,amount\n2026-01-01,S1,P1,1,9\n")
    (tmp_path / "products.xlsx").write_text("not a workbook")
    (tmp_path / "seats.parquet").write_text("not parquet")
    found = problems(tmp_path)
    assert found[0] == ("sales.csv: cannot be read as CSV (CSV parse error: Expected 4 "
                        "columns, got 5: 2026-01-01,S1,P1,1,9); save it again as .csv, "
                        ".parquet, .xlsx, .csv.gz and retry")
    assert found[1].startswith("seats.parquet: cannot be read as Parquet (")
    assert found[2] == ("products.xlsx: cannot be read as an Excel .xlsx workbook (File is not "
                        "a zip file); save it again as .csv, .parquet, .xlsx, .csv.gz and retry")
    assert all(s.endswith("and retry") for s in found)


def test_unreadable_csv_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text("date,seat,product,amount\n2026-01-01,S1,P1,1\n"
                                        "2026-01-02,S1,P1,1,9\n")
    assert problems(tmp_path) == [
        "sales.csv: cannot be read as CSV (Error tokenizing data. C error: Expected 4 fields "
        "in line 3, saw 5); save it again as .csv, .parquet, .xlsx, .csv.gz and retry",
    ]


def test_two_files_for_one_table(tmp_path: Path) -> None:
    write(tmp_path, sales_csv=SALES)
    pd.read_csv(tmp_path / "sales.csv").to_parquet(tmp_path / "sales.parquet")
    assert problems(tmp_path) == [
        f"{tmp_path}: has several sales files (sales.csv and sales.parquet); keep only one "
        "of them",
    ]


def test_derived_seat_with_two_teams(tmp_path: Path) -> None:
    write(tmp_path, sales_csv="""\
        date,Desk,Region,product,amount
        2026-01-05,S1,North,P1,1
        2026-01-06,S1,South,P1,1
        2026-01-07,S2,South,P1,1
        """)
    (tmp_path / "m.toml").write_text(
        '[sales.columns]\nseat = "Desk"\n[seats]\nderive = { team = "Region" }\n')
    assert problems(tmp_path, tmp_path / "m.toml") == [
        "sales.csv row 3 column 'Region': 'South' gives seat 'S1' a second team (row 2 has "
        "'North'); give each seat one team, or provide a seats file",
    ]


def test_missing_values_in_required_columns(tmp_path: Path) -> None:
    write(tmp_path, sales_csv=SALES, seats_csv="seat,team,grade\nS1,T1,A\n ,T1,A\nS2,,B\n")
    assert problems(tmp_path) == [
        "seats.csv row 3 column 'seat': value is missing; fill it in or remove the row",
        "seats.csv row 4 column 'team': value is missing; fill it in or remove the row",
    ]


def test_duplicate_products_name_the_first_row(tmp_path: Path) -> None:
    write(tmp_path, sales_csv=SALES,
          products_csv="product\nP1\nP2\nP1\nP1\n")
    assert problems(tmp_path) == [
        "products.csv row 4 column 'product': 'P1' is a duplicate of row 2; keep one row per "
        "product",
        "products.csv row 5 column 'product': 'P1' is a duplicate of row 2; keep one row per "
        "product",
    ]


def test_bad_exclude_key_is_a_mapping_error(tmp_path: Path) -> None:
    write(tmp_path, sales_csv=SALES)
    (tmp_path / "m.toml").write_text('[sales.options]\nexclude = { Invoice = ["A"] }\n')
    with pytest.raises(MappingError, match=r"^m.toml: \[sales.options\] exclude key 'Invoice' is "
                       r"neither a mapped canonical column nor a column of sales.csv \(found: "
                       r"date, seat, product, segment, amount, units\); fix the key$"):
        load_dataset(tmp_path, tmp_path / "m.toml")


def _tiny(tmp_path: Path) -> Path:
    return write(tmp_path, sales_csv=SALES, seats_csv=SEATS, products_csv=PRODUCTS,
                 customers_csv=CUSTOMERS)


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx", ".csv.gz"])
def test_csv_parquet_and_xlsx_load_the_same_dataset(tmp_path: Path, suffix: str) -> None:
    (tmp_path / "csv").mkdir()
    expected = load_dataset(_tiny(tmp_path / "csv"))
    other = tmp_path / "other"
    other.mkdir()
    for table in ("sales", "seats", "products", "customers"):
        frame = pd.read_csv(tmp_path / "csv" / f"{table}.csv", dtype=str)
        if suffix == ".parquet":  # typed columns, as a database export would have them
            frame = pd.read_csv(tmp_path / "csv" / f"{table}.csv",
                                parse_dates=[c for c in ("date", "start_date", "end_date")
                                             if c in frame])
            frame.to_parquet(other / f"{table}.parquet")
        elif suffix == ".xlsx":
            frame = pd.read_csv(tmp_path / "csv" / f"{table}.csv",
                                parse_dates=[c for c in ("date", "start_date") if c in frame])
            frame.to_excel(other / f"{table}.xlsx", index=False)
        else:
            frame.to_csv(other / f"{table}.csv.gz", index=False)
    got = load_dataset(other)
    for table in ("sales", "seats", "products", "customers"):
        pd.testing.assert_frame_equal(getattr(got, table), getattr(expected, table))
    assert got.report.rows_read == expected.report.rows_read


NOT_FINITE = "is not a finite number; expected a number like 1234.5"


def test_non_finite_numbers_in_every_table(tmp_path: Path) -> None:
    write(tmp_path, sales_csv="""\
        date,seat,product,amount,units,margin
        2026-01-05,S1,P1,inf,1,1
        2026-01-06,S1,P1,1e309,-inf,nan
        2026-01-07,S1,P1,5,1,Infinity
        """, products_csv="""\
        product,ticket_mode,fixed_ticket
        P1,fixed,inf
        """, customers_csv="""\
        month,segment,stock,new,attrition,aum
        2026-01,all,inf,1,1,-inf
        """)
    assert problems(tmp_path) == [
        f"products.csv row 2 column 'fixed_ticket': 'inf' {NOT_FINITE}",
        f"customers.csv row 2 column 'stock': 'inf' {NOT_FINITE}",
        f"customers.csv row 2 column 'aum': '-inf' {NOT_FINITE}",
        f"sales.csv row 2 column 'amount': 'inf' {NOT_FINITE}",
        f"sales.csv row 3 column 'amount': '1e309' {NOT_FINITE}",
        f"sales.csv row 3 column 'units': '-inf' {NOT_FINITE}",
        "sales.csv row 3 column 'margin': 'nan' is not a number; expected a number like 1234.5",
        f"sales.csv row 4 column 'margin': 'Infinity' {NOT_FINITE}",
    ]


def test_non_finite_parquet_numbers_and_products_of_columns(tmp_path: Path) -> None:
    pd.DataFrame({"date": pd.to_datetime(["2026-01-05", "2026-01-06"]), "seat": ["S1", "S1"],
                  "product": ["P1", "P1"], "q": [1e200, 2.0], "p": [1e200, float("inf")]}
                 ).to_parquet(tmp_path / "sales.parquet")
    (tmp_path / "m.toml").write_text(
        '[sales.columns]\namount = { multiply = ["q", "p"] }\nunits = "q"\n')
    assert problems(tmp_path, tmp_path / "m.toml") == [
        f"sales.parquet row 3 column 'p': inf {NOT_FINITE}",
        "sales.parquet row 2 column 'q * p': inf is above 1e15, the largest amount accepted; "
        "fix the value (a typo, or the wrong unit?)",
        "sales.parquet row 2 column 'q': 1e+200 is above 1e15, the largest number of units "
        "accepted; fix the value (a typo, or the wrong unit?)",
    ]


def test_numbers_out_of_range_name_the_limit(tmp_path: Path) -> None:
    write(tmp_path, sales_csv="""\
        date,seat,product,amount,units,margin
        2026-01-05,S1,P1,1e16,1,1
        2026-01-06,S1,P2,5,2e15,-2e15
        """, products_csv="""\
        product,ticket_mode,fixed_ticket
        P1,variable,-5
        P2,fixed,1e20
        """, customers_csv="""\
        month,segment,stock,new,attrition,aum
        2026-01,all,-1,1e11,-3,-5
        2026-02,all,10,1,1,2e15
        """)
    assert problems(tmp_path) == [
        "products.csv row 3 column 'fixed_ticket': '1e20' is above 1e15, the largest ticket "
        "size accepted; fix the value (a typo, or the wrong unit?)",
        "products.csv row 2 column 'fixed_ticket': '-5' is negative; a ticket size is a "
        "positive amount; fix it, or leave it empty for a variable ticket",
        "customers.csv row 2 column 'stock': '-1' is negative; a customer count cannot be "
        "below 0; fix the row",
        "customers.csv row 2 column 'new': '1e11' is above 1e10, the largest customer count "
        "accepted; fix the value (a typo, or the wrong unit?)",
        "customers.csv row 2 column 'attrition': '-3' is negative; a customer count cannot "
        "be below 0; fix the row",
        "customers.csv row 2 column 'aum': '-5' is negative; a value of assets (aum) cannot "
        "be below 0; fix the row",
        "customers.csv row 3 column 'aum': '2e15' is above 1e15, the largest value of assets "
        "(aum) accepted; fix the value (a typo, or the wrong unit?)",
        "sales.csv row 2 column 'amount': '1e16' is above 1e15, the largest amount accepted; "
        "fix the value (a typo, or the wrong unit?)",
        "sales.csv row 3 column 'units': '2e15' is above 1e15, the largest number of units "
        "accepted; fix the value (a typo, or the wrong unit?)",
        "sales.csv row 3 column 'margin': '-2e15' is below -1e15, the smallest margin "
        "accepted; fix the value (a typo, or the wrong unit?)",
    ]


def test_returns_may_be_negative_but_not_absurd(tmp_path: Path) -> None:
    write(tmp_path, sales_csv="date,seat,product,amount\n2026-01-05,S1,P1,10\n"
          "2026-01-06,S1,P1,-4\n2026-01-07,S1,P1,-1e18\n")
    (tmp_path / "m.toml").write_text("[sales.options]\nreturns = true\n")
    assert problems(tmp_path, tmp_path / "m.toml") == [
        "sales.csv row 4 column 'amount': '-1e18' is below -1e15, the smallest amount "
        "accepted; fix the value (a typo, or the wrong unit?)",
    ]


def test_a_cell_is_reported_once(tmp_path: Path) -> None:
    write(tmp_path, sales_csv=SALES, products_csv="product,ticket_mode,fixed_ticket\n"
          "P1,fixed,abc\nP2,fixed,inf\n")
    assert problems(tmp_path) == [
        "products.csv row 2 column 'fixed_ticket': 'abc' is not a number; expected a number "
        "like 1234.5",
        f"products.csv row 3 column 'fixed_ticket': 'inf' {NOT_FINITE}",
    ]


def test_all_units_zero_is_refused(tmp_path: Path) -> None:
    write(tmp_path, sales_csv="date,seat,product,amount,units\n2026-01-05,S1,P1,10,0\n"
          "2026-01-06,S1,P2,5,0\n")
    assert problems(tmp_path) == [
        "sales.csv column 'units': is 0 in every row, so no amount per unit (ticket) can be "
        "computed; fix the column, or leave units out (unmapped) so each row counts as one "
        "unit",
    ]
    write(tmp_path, sales_csv="date,seat,product,amount,units\n2026-01-05,S1,P1,10,0\n"
          "2026-01-06,S1,P2,5,1\n")
    assert len(load_dataset(tmp_path).sales) == 2


def test_dates_outside_the_accepted_range(tmp_path: Path) -> None:
    write(tmp_path, sales_csv="""\
        date,seat,product,amount
        2026-01-05,S1,P1,1
        9999-12-31,S1,P1,1
        1989-12-31,S2,P2,1
        """, seats_csv="""\
        seat,team,grade,start_date,end_date
        S1,T1,A,1960-03-01,9999-12-31
        S2,T1,A,1949-12-31,
        """, customers_csv="month,segment,stock\n2101-01,all,1\n2026-01,all,1\n")
    accepted = "is outside the accepted dates {} to 2100-12-31; fix the date"
    assert problems(tmp_path) == [
        f"seats.csv row 3 column 'start_date': '1949-12-31' {accepted.format('1950-01-01')}",
        f"seats.csv row 2 column 'end_date': '9999-12-31' {accepted.format('1950-01-01')}, "
        "or leave it empty while the seat is active",
        f"customers.csv row 2 column 'month': '2101-01' {accepted.format('1990-01-01')}",
        f"sales.csv row 3 column 'date': '9999-12-31' {accepted.format('1990-01-01')}",
        f"sales.csv row 4 column 'date': '1989-12-31' {accepted.format('1990-01-01')}",
    ]


def test_misspelled_optional_columns_get_a_did_you_mean(tmp_path: Path) -> None:
    write(tmp_path, sales_csv="""\
        date,seat,product,amount,Customer ID,Team,Notes
        2026-01-05,S1,P1,1,C1,North,x
        """)
    assert problems(tmp_path) == [
        "sales.csv column 'Customer ID': is not read, so no customer_id is loaded; did you "
        "mean 'customer_id'? rename the column to customer_id, or map it in the mapping's "
        "[sales.columns] as customer_id = \"Customer ID\"",
        "sales.csv column 'Team': is not read: without a seats file, seats are derived from "
        "sales with each seat its own team; did you mean 'team'? map it in the mapping's "
        "[seats] as derive = { team = \"Team\" }, or provide a seats file",
    ]
    write(tmp_path, sales_csv=SALES, seats_csv="""\
        seat,team,grade,start_date,End Date
        S1,T1,A,2025-01-01,
        S2,T2,B,2025-06-01,2026-06-30
        """)
    assert problems(tmp_path) == [
        "seats.csv column 'End Date': is not read, so no end_date is loaded; did you mean "
        "'end_date'? rename the column to end_date, or map it in the mapping's "
        "[seats.columns] as end_date = \"End Date\"",
    ]


def test_a_look_alike_column_is_a_warning_when_the_mapping_names_columns(
        tmp_path: Path) -> None:
    write(tmp_path, data_csv="Day,Desk,Item,Value,CustomerID,Notes\n2026-01-05,S1,P1,3,C1,x\n")
    (tmp_path / "m.toml").write_text('[sales]\nfile = "data.csv"\n[sales.columns]\n'
                                     'date = "Day"\nseat = "Desk"\nproduct = "Item"\n'
                                     'amount = "Value"\n')
    message = ("data.csv column 'CustomerID': is not read, so no customer_id is loaded; did "
               "you mean 'customer_id'? rename the column to customer_id, or map it in the "
               "mapping's [sales.columns] as customer_id = \"CustomerID\"")
    with pytest.warns(DataWarning, match=re.escape(message)):
        ds = load_dataset(tmp_path, tmp_path / "m.toml")
    assert message in ds.report.warnings
    assert "data.csv: columns not read: Notes" in ds.report.notes
    assert ds.sales[names.CUSTOMER_ID].isna().all()


@pytest.mark.parametrize("header", ["date,seat,amount,product,amount",
                                    "date,seat,amount,product, amount "])
def test_repeated_headers_are_refused(tmp_path: Path, header: str) -> None:
    (tmp_path / "sales.csv").write_text(header + "\n2026-01-05,S1,1,P1,2\n")
    assert problems(tmp_path) == [
        "sales.csv column 'amount': appears 2 times in the header (columns 3, 5); keep one of "
        "them, or rename the others",
    ]


def test_repeated_headers_in_a_workbook(tmp_path: Path) -> None:
    frame = pd.DataFrame([["2026-01-05", "S1", "P1", 1, 2, 3]],
                         columns=["date", "seat", "product", "x", "y", "z"])
    frame.to_excel(tmp_path / "sales.xlsx", index=False)
    workbook = openpyxl.load_workbook(tmp_path / "sales.xlsx")
    sheet = workbook.active
    sheet["D1"], sheet["E1"], sheet["F1"] = "amount", "Amount", "amount"
    workbook.save(tmp_path / "sales.xlsx")
    assert problems(tmp_path) == [
        "sales.xlsx column 'amount': appears 2 times in the header (columns 4, 6); keep one of "
        "them, or rename the others",
    ]


def test_empty_header_cells_keep_pandas_names(tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text("date,seat,product,amount,,\n2026-01-05,S1,P1,1,,\n")
    ds = load_dataset(tmp_path)
    assert "sales.csv: columns not read: Unnamed: 4, Unnamed: 5" in ds.report.notes


def test_optional_files_that_exist_but_cannot_be_read(tmp_path: Path) -> None:
    write(tmp_path, sales_csv=SALES)
    (tmp_path / "products.csv").mkdir()
    (tmp_path / "customers.csv").symlink_to(tmp_path / "gone.csv")
    os.mkfifo(tmp_path / "seats.csv")
    assert problems(tmp_path) == [
        "seats.csv: is not a regular file (a pipe, socket or device); save the data as a file",
        "products.csv: is a folder, not a file; put the data file there or rename the folder",
        f"customers.csv: is a link to '{tmp_path / 'gone.csv'}', which does not exist; fix "
        "the link or remove it",
    ]


def test_a_file_named_by_the_mapping_that_is_a_folder(tmp_path: Path) -> None:
    write(tmp_path, sales_csv=SALES)
    (tmp_path / "people.csv").mkdir()
    (tmp_path / "m.toml").write_text('[seats]\nfile = "people.csv"\n')
    assert problems(tmp_path, tmp_path / "m.toml") == [
        "people.csv: is a folder, not a file; put the data file there or rename the folder",
    ]


def test_a_file_that_cannot_be_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, sales_csv=SALES, products_csv=PRODUCTS)
    real = pd.read_csv

    def denied(path: object, *args: object, **kwargs: object) -> pd.DataFrame:
        if str(path).endswith("products.csv"):
            raise PermissionError(13, "Permission denied")
        return real(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(pd, "read_csv", denied)
    assert problems(tmp_path) == [
        "products.csv: cannot be opened (Permission denied); check that the file can be read "
        "(its permissions) and retry",
    ]
