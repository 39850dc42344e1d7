"""Loading: canonical columns, defaults, derivation, mapping options and mapping errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner import names
from planner.errors import DataWarning, InputError, MappingError
from planner.history.load import load_dataset
from planner.history.mapping import builtin_mapping, load_mapping, parse_mapping, resolve_mapping
from planner.history.tables import margin_tiers

pytestmark = pytest.mark.filterwarnings("ignore::planner.errors.DataWarning")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_canonical_files_load_with_defaults_and_teams(tmp_path: Path) -> None:
    write(tmp_path, "sales.csv", """\
        date,seat,product,amount,customer_id
        2026-01-05 09:30,S1,P1,100,C1
        2026-01-06,S2,P2,50,
        """)
    write(tmp_path, "seats.csv", "seat,team,grade,start_date\nS1,North,A,2025-01-01\n"
          "S2,South,B,\n")
    ds = load_dataset(tmp_path)
    sales = ds.sales
    assert list(sales.columns) == [names.DATE, names.SEAT, names.TEAM, names.PRODUCT,
                                   names.SEGMENT, names.AMOUNT, names.UNITS,
                                   names.CUSTOMER_ID, names.MARGIN]
    assert sales[names.DATE].tolist() == [pd.Timestamp("2026-01-05"), pd.Timestamp("2026-01-06")]
    assert sales[names.TEAM].tolist() == ["North", "South"]
    assert sales[names.SEGMENT].tolist() == [names.DEFAULT_SEGMENT] * 2
    assert sales[names.UNITS].tolist() == [1.0, 1.0]
    assert sales[names.CUSTOMER_ID].iloc[0] == "C1" and pd.isna(sales[names.CUSTOMER_ID].iloc[1])
    assert sales[names.MARGIN].isna().all()
    assert pd.api.types.is_datetime64_dtype(sales[names.DATE])
    assert sales[names.AMOUNT].dtype == np.float64
    assert list(ds.seats.columns) == list(names.SEATS_COLUMNS)
    assert ds.seats[names.END_DATE].isna().all() and pd.isna(ds.seats[names.START_DATE][1])
    assert ds.products[names.PRODUCT].tolist() == ["P1", "P2"]
    assert set(ds.products[names.TICKET_MODE]) == {"variable"}
    assert set(ds.products[names.MARGIN_TIER]) == {"standard"}
    assert ds.customers is None
    assert ds.report.rows_read == {"sales": 2, "seats": 2}
    assert ds.report.counts["missing_customer_id"] == 1
    assert ds.source == str(tmp_path)


def test_seats_and_products_derived_from_sales(tmp_path: Path) -> None:
    write(tmp_path, "sales.csv", """\
        date,seat,product,amount,margin
        2026-02-05,S1,P1,100,50
        2026-01-06,S1,P2,100,20
        2026-03-01,S2,P3,100,5
        2026-03-02,S2,P4,100,
        """)
    ds = load_dataset(tmp_path)
    seats = ds.seats
    assert seats[names.SEAT].tolist() == ["S1", "S2"]
    assert seats[names.TEAM].tolist() == ["S1", "S2"]
    assert seats[names.GRADE].tolist() == [names.DEFAULT_GRADE] * 2
    # derived seats are shops or countries, not hires: no start (so no ramp), no end
    assert seats[names.START_DATE].isna().all()
    assert seats[names.END_DATE].isna().all()
    tiers = dict(zip(ds.products[names.PRODUCT], ds.products[names.MARGIN_TIER], strict=True))
    assert tiers == {"P1": "high", "P2": "standard", "P3": "low", "P4": "standard"}
    assert ds.products[names.FIXED_TICKET].isna().all()


def test_margin_tiers_need_three_products_with_margins() -> None:
    sales = pd.DataFrame({names.PRODUCT: ["A", "B"], names.AMOUNT: [10.0, 10.0],
                          names.MARGIN: [5.0, 1.0]})
    assert margin_tiers(sales).tolist() == ["standard", "standard"]


def test_products_and_customers_files(tmp_path: Path) -> None:
    write(tmp_path, "sales.csv", "date,seat,product,amount\n2026-01-05,S1,P1,1\n"
          "2026-01-05,S1,P2,1\n")
    write(tmp_path, "products.csv", """\
        product,ticket_mode,fixed_ticket,margin_tier,sell_from_month,sell_to_month
        P1,Fixed,1000000,High,4,6
        P2,,5,,,
        """)
    write(tmp_path, "customers.csv", "month,segment,stock\n2026-01-15,all,100\n2026-02,all,90\n")
    ds = load_dataset(tmp_path)
    p = ds.products.set_index(names.PRODUCT)
    assert p.loc["P1", names.TICKET_MODE] == "fixed" and p.loc["P1", names.MARGIN_TIER] == "high"
    assert p.loc["P1", names.FIXED_TICKET] == 1_000_000
    assert (p.loc["P1", names.SELL_FROM_MONTH], p.loc["P1", names.SELL_TO_MONTH]) == (4, 6)
    assert p.loc["P2", names.TICKET_MODE] == "variable" and np.isnan(p.loc["P2",
                                                                          names.FIXED_TICKET])
    assert p.loc["P2", names.MARGIN_TIER] == "standard"
    c = ds.customers
    assert c is not None and list(c.columns) == list(names.CUSTOMERS_COLUMNS)
    assert c[names.MONTH].tolist() == [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01")]
    assert c[names.NEW].isna().all()


MAPPED_SALES = """\
    Inv,Day,Desk,Code,Qty,Price,Cust,Region
    1,31/01/2026,d1,A,2,10,c1,N
    1,31/01/2026,d1,A,2,10,c1,N
    2,01/02/2026,d1,B,1,100,,N
    C3,02/02/2026,d2,A,-1,10,c2,S
    X4,02/02/2026,d2,POST,1,5,c2,S
    5,03/02/2026,d2,C,3,0,c3,S
    6,03/02/2026,d2,D,1,1,c3,S
    """
MAPPING = """\
    [sales]
    file = "hist.csv"
    [sales.columns]
    date = "Day"
    seat = "Desk"
    product = "Code"
    units = "Qty"
    amount = { multiply = ["Qty", "Price"] }
    customer_id = "Cust"
    segment = { value = "retail" }
    [sales.values.product]
    A = "Alpha"
    [sales.options]
    returns = true
    drop_duplicates = true
    exclude = { product = ["POST"] }
    exclude_prefix = { Inv = ["X"] }
    keep_top = { product = 2, other = "REST" }
    date_format = "%d/%m/%Y"
    [seats]
    derive = { team = "Region", grade = { value = "G1" } }
    """


def test_mapping_options(tmp_path: Path) -> None:
    write(tmp_path, "hist.csv", MAPPED_SALES)
    ds = load_dataset(tmp_path, write(tmp_path, "m.toml", MAPPING))
    sales = ds.sales
    assert sales[names.PRODUCT].tolist() == ["Alpha", "B", "Alpha", "REST", "REST"]
    assert sales[names.AMOUNT].tolist() == [20.0, 100.0, -10.0, 0.0, 1.0]
    assert sales[names.SEGMENT].unique().tolist() == ["retail"]
    assert sales[names.TEAM].tolist() == ["N", "N", "S", "S", "S"]
    assert sales[names.DATE].iloc[0] == pd.Timestamp("2026-01-31")
    assert ds.seats[[names.SEAT, names.TEAM, names.GRADE]].values.tolist() == [
        ["d1", "N", "G1"], ["d2", "S", "G1"]]
    assert ds.products[names.PRODUCT].tolist() == ["Alpha", "B", "REST"]
    assert ds.report.rows_read == {"sales": 7}
    assert ds.report.counts == {
        "duplicates_dropped": 1, "excluded_rows": 1, "returns_netted": 1, "returns_amount": 10,
        "zero_amount_rows": 1, "missing_customer_id": 1, "other_rows": 2, "other_values": 2,
        "sales_rows": 5,
    }
    assert "sales: excluded 1 rows where Code is POST" in ds.report.notes
    assert "sales: excluded 1 rows where Inv starts with X" in ds.report.notes
    frame = ds.report.to_frame()
    assert frame.iloc[0].tolist() == ["rows read: sales", 7]


def test_drop_missing_counts_rows(tmp_path: Path) -> None:
    write(tmp_path, "hist.csv", MAPPED_SALES)
    text = textwrap.dedent(MAPPING).replace('date_format', 'drop_missing = ["customer_id"]\n'
                                            'date_format')
    ds = load_dataset(tmp_path, write(tmp_path, "m.toml", text))
    assert ds.report.counts["dropped_missing"] == 1
    assert ds.report.counts["missing_customer_id"] == 0
    assert ds.sales[names.CUSTOMER_ID].notna().all()


def test_mapping_problems_found_at_load(tmp_path: Path) -> None:
    write(tmp_path, "sales.csv", "date,seat,product,amount\n2026-01-05,S1,P1,10\n")
    mapping = write(tmp_path, "m.toml", '[seats]\nderive = { grade = "all" }\n')
    with pytest.raises(MappingError, match=r"^m.toml: \[seats\] derive grade names column 'all', "
                       r"which sales.csv does not have; name one of its columns \(date, seat, "
                       r"product, amount\) or write a constant as \{ value = 'all' \}$"):
        load_dataset(tmp_path, mapping)
    mapping = write(tmp_path, "m.toml", '[sales.options]\ndrop_missing = ["customer_id"]\n')
    with pytest.raises(MappingError, match=r"^m.toml: \[sales.options\] drop_missing names "
                       r"'customer_id', which is not a column of sales.csv; map it in "
                       r"\[sales.columns\] or remove it$"):
        load_dataset(tmp_path, mapping)
    mapping = write(tmp_path, "m.toml", '[sales.options]\nexclude = { product = ["P1"] }\n')
    with pytest.raises(InputError) as info:
        load_dataset(tmp_path, mapping)
    assert [str(p) for p in info.value.problems] == [
        "sales.csv: has no rows left after the mapping's [sales.options] filters; loosen them"]


def test_keep_top_with_a_products_file_adds_other(tmp_path: Path) -> None:
    write(tmp_path, "sales.csv", "date,seat,product,amount\n2026-01-05,S1,P1,10\n"
          "2026-01-05,S1,P2,5\n2026-01-05,S1,P3,1\n")
    write(tmp_path, "products.csv", "product,margin_tier\nP1,high\nP2,low\nP3,low\n")
    mapping = write(tmp_path, "m.toml", "[sales.options]\nkeep_top = { product = 1 }\n")
    ds = load_dataset(tmp_path, mapping)
    assert ds.products[[names.PRODUCT, names.MARGIN_TIER]].values.tolist() == [
        ["P1", "high"], ["OTHER", "standard"]]
    assert ds.sales[names.PRODUCT].tolist() == ["P1", "OTHER", "OTHER"]


def test_seats_file_named_by_mapping_with_value_maps(tmp_path: Path) -> None:
    write(tmp_path, "orders.csv", "Order Date,Region,Sub-Category,Sales\n"
          "2014-01-05,West,Chairs,10\n2014-01-06,East,Tables,20\n")
    write(tmp_path, "people.csv", "Person,Region\nAnn,West\nChuck,East\n")
    mapping = write(tmp_path, "m.toml", """\
        [sales]
        file = "orders.csv"
        [sales.columns]
        date = "Order Date"
        seat = "Region"
        product = "Sub-Category"
        amount = "Sales"
        [sales.values.seat]
        West = "Ann"
        East = "Chuck"
        [seats]
        file = "people.csv"
        [seats.columns]
        seat = "Person"
        team = "Region"
        grade = { value = "all" }
        """)
    ds = load_dataset(tmp_path, mapping)
    assert ds.sales[[names.SEAT, names.TEAM]].values.tolist() == [["Ann", "West"],
                                                                  ["Chuck", "East"]]


def test_csv_quirks_bom_blank_cells_quoted_newlines_latin1(tmp_path: Path) -> None:
    text = ('\ufeffdate, seat ,product,amount,customer_id\n'
            '2026-01-05,S1,"P 1\nsecond line",1,  \n'
            '2026-01-06,NA,Caf\u00e9,2,NA\n')
    (tmp_path / "sales.csv").write_bytes(text.encode("utf-8"))
    ds = load_dataset(tmp_path)
    assert ds.sales[names.SEAT].tolist() == ["S1", "NA"]
    assert ds.sales[names.PRODUCT].tolist() == ["P 1\nsecond line", "Caf\u00e9"]
    assert pd.isna(ds.sales[names.CUSTOMER_ID][0]) and ds.sales[names.CUSTOMER_ID][1] == "NA"
    (tmp_path / "sales.csv").write_bytes("date,seat,product,amount\n2026-01-05,S1,Caf\u00e9,1\n"
                                         .encode("latin-1"))
    ds = load_dataset(tmp_path)
    assert ds.sales[names.PRODUCT].tolist() == ["Caf\u00e9"]
    assert ds.report.notes[0] == "sales.csv is not UTF-8; read it as latin-1"


def test_resolve_mapping_and_builtins(tmp_path: Path) -> None:
    assert builtin_mapping("superstore").name == "superstore.toml"
    assert resolve_mapping("online_retail")["sales"].file == "online_retail.csv.gz"
    assert resolve_mapping(None)["sales"].file is None
    with pytest.raises(MappingError, match=r"^no builtin mapping named 'nope'; use one of: "
                       r"online_retail, superstore$"):
        builtin_mapping("nope")
    with pytest.raises(MappingError, match=r"^mapping file 'nope.toml' not found; give a .toml "
                       r"file or a builtin mapping name \(online_retail, superstore\)$"):
        resolve_mapping("nope.toml")


@pytest.mark.parametrize(("doc", "message"), [
    ({"sale": {}}, "m.toml: unknown key 'sale' in the top level; did you mean 'sales'? "
     "use one of: sales, seats, products, customers"),
    ({"sales": {"colums": {}}}, "m.toml: unknown key 'colums' in [sales]; did you mean "
     "'columns'? use one of: file, columns, values, options"),
    ({"sales": {"columns": {"amout": "X"}}}, "m.toml: unknown key 'amout' in [sales.columns]; "
     "did you mean 'amount'? use one of: date, seat, product, segment, amount, units, "
     "customer_id, margin"),
    ({"sales": {"columns": {"amount": {"multiply": ["X"]}}}}, "m.toml: [sales.columns] amount "
     "multiply must list two or more source columns, e.g. [\"Quantity\", \"UnitPrice\"]"),
    ({"sales": {"columns": {"amount": {"multiple": ["X", "Y"]}}}}, "m.toml: unknown key "
     "'multiple' in [sales.columns] amount; did you mean 'multiply'? use one of: column, "
     "multiply, value, map, default, bins, labels, per"),
    ({"sales": {"columns": {"amount": 3}}}, "m.toml: [sales.columns] amount must be a source "
     "column name (\"Col\"), { column = \"Col\" }, { multiply = [\"A\", \"B\"] }, "
     "{ value = \"constant\" }, { column = \"Col\", map = { old = \"new\" }, default = "
     "\"X\" } or { column = \"Col\", bins = [0, 100], labels = [\"low\", \"high\"] }"),
    ({"sales": {"file": "a.json"}}, "m.toml: [sales] file 'a.json' has an unsupported type; "
     "use one of .csv, .parquet, .xlsx, .csv.gz"),
    ({"sales": {"options": {"returns": "yes"}}}, "m.toml: [sales.options] returns must be "
     "true or false"),
    ({"sales": {"options": {"keep_top": {"product": 0}}}}, "m.toml: [sales.options] keep_top "
     "product must be a positive whole number"),
    ({"sales": {"options": {"keep_top": {"seat": 3}}}}, "m.toml: unknown key 'seat' in "
     "[sales.options] keep_top; use one of: product, segment, other"),
    ({"sales": {"options": {"drop_missing": ["customer"]}}}, "m.toml: unknown key 'customer' in "
     "[sales.options] drop_missing; did you mean 'customer_id'? use one of: date, seat, "
     "product, segment, amount, units, customer_id, margin"),
    ({"sales": {"options": {"exclude": {"product": "POST"}}}}, "m.toml: [sales.options] "
     "exclude product must be a list of values, e.g. [\"POST\"]"),
    ({"sales": {"values": {"amount": {"1": "2"}}}}, "m.toml: unknown key 'amount' in "
     "[sales.values]; use one of: seat, product, segment, customer_id"),
    ({"seats": {"options": {"returns": True}}}, "m.toml: unknown key 'returns' in "
     "[seats.options]; use one of: date_format"),
    ({"seats": {"file": "s.csv", "derive": {}}}, "m.toml: [seats] has both file and derive; "
     "keep one"),
    ({"seats": {"derive": {"teams": "X"}}}, "m.toml: unknown key 'teams' in [seats] derive; "
     "did you mean 'team'? use one of: team, grade, team_name"),
    ({"customers": {"derive": {}}}, "m.toml: unknown key 'derive' in [customers]; use one of: "
     "file, columns, values, options"),
])
def test_mapping_errors_name_the_key_and_fix(doc: dict[str, object], message: str) -> None:
    with pytest.raises(MappingError) as info:
        parse_mapping(doc, source="m.toml")
    assert str(info.value) == message


def test_load_mapping_file_errors(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match=r"^m.toml: not valid TOML \(.*\); fix the syntax$"):
        load_mapping(write(tmp_path, "m.toml", "[sales\n"))
    with pytest.raises(MappingError, match="^cannot read mapping file .*missing.toml: No such"):
        load_mapping(tmp_path / "missing.toml")
    mapping = load_mapping(write(tmp_path, "ok.toml", MAPPING))
    assert mapping.source == "ok.toml"
    assert mapping["sales"].options.keep_top is not None
    assert mapping["sales"].columns["amount"].label == "Qty * Price"


def test_builtin_mappings_parse() -> None:
    for name in ("online_retail", "superstore"):
        assert load_mapping(builtin_mapping(name))["sales"].file is not None


def test_mapping_file_not_utf8_folder_or_broken_link(tmp_path: Path) -> None:
    (tmp_path / "latin.toml").write_bytes('[sales]\nfile = "caf\u00e9.csv"\n'.encode("latin-1"))
    with pytest.raises(MappingError) as info:
        load_mapping(tmp_path / "latin.toml")
    assert str(info.value) == ("latin.toml: not UTF-8 text (byte 0xe9 on line 2); save "
                               "the mapping file as UTF-8")
    (tmp_path / "folder.toml").mkdir()
    with pytest.raises(MappingError) as info:
        resolve_mapping(str(tmp_path / "folder.toml"))
    assert str(info.value) == (f"mapping file '{tmp_path / 'folder.toml'}' is a folder; give "
                               "a .toml file or a builtin mapping name (online_retail, "
                               "superstore)")
    (tmp_path / "link.toml").symlink_to(tmp_path / "gone.toml")
    with pytest.raises(MappingError) as info:
        resolve_mapping(tmp_path / "link.toml")
    assert str(info.value) == (f"mapping file '{tmp_path / 'link.toml'}' is a link to "
                               f"'{tmp_path / 'gone.toml'}', which does not exist; fix the link")


@pytest.mark.parametrize(("doc", "message"), [
    ({"sales": {"options": {"date_format": "%d/%Q"}}}, "m.toml: [sales.options] date_format "
     "'%d/%Q' is not a strptime format ('Q' is a bad directive in format '%d/%Q'); use one "
     "such as \"%d/%m/%Y\""),
    ({"customers": {"options": {"date_format": "%Y-%m %"}}}, "m.toml: [customers.options] "
     "date_format '%Y-%m %' is not a strptime format (stray % in format '%Y-%m %'); use one "
     "such as \"%d/%m/%Y\""),
    ({"sales": {"columns": {"seat": {"multiply": ["A", "B"]}}}}, "m.toml: [sales.columns] seat "
     "multiply gives a number, and seat is not a number column; name one source column "
     "instead"),
    ({"seats": {"columns": {"start_date": {"multiply": ["A", "B"]}}}}, "m.toml: "
     "[seats.columns] start_date multiply gives a number, and start_date is not a number "
     "column; name one source column instead"),
])
def test_mapping_values_that_cannot_work(doc: dict[str, object], message: str) -> None:
    with pytest.raises(MappingError) as info:
        parse_mapping(doc, source="m.toml")
    assert str(info.value) == message


def test_mapping_errors_at_load_name_the_mapping_file(tmp_path: Path) -> None:
    write(tmp_path, "sales.csv", "date,seat,product,amount\n2026-01-05,S1,P1,10\n")
    mapping = write(tmp_path, "m.toml", '[sales.options]\nexclude_prefix = { Inv = ["A"] }\n')
    with pytest.raises(MappingError) as info:
        load_dataset(tmp_path, mapping)
    assert str(info.value) == (
        "m.toml: [sales.options] exclude_prefix key 'Inv' is neither a mapped canonical column "
        "nor a column of sales.csv (found: date, seat, product, amount); fix the key")


def test_load_report_lists_warnings_and_unread_columns(tmp_path: Path) -> None:
    write(tmp_path, "sales.csv", "date,seat,product,amount,Notes\n2026-01-05,S1,P1,10,x\n")
    with pytest.warns(DataWarning, match=r"^sales.csv: the history covers only 1 day "):
        ds = load_dataset(tmp_path)
    assert ds.report.notes == ["sales.csv: columns not read: Notes",
                               "seats derived from sales: 1 seats (no start or end dates, so "
                               "no ramp)",
                               "products derived from sales: 1 products, variable tickets, "
                               "margin tiers from margin-rate terciles"]
    frame = ds.report.to_frame()
    assert frame[frame["item"] == "warning"]["value"].tolist() == ds.report.warnings
    assert len(ds.report.warnings) == 1


def test_products_and_teams_carry_display_names(tmp_path: Path) -> None:
    write(tmp_path, "sales.csv", "date,seat,product,amount\n2026-01-05,S1,P1,1\n"
          "2026-01-05,S2,P2,1\n2026-01-06,S3,P2,1\n")
    write(tmp_path, "products.csv", "product,name\nP1,  Trust A (1m ticket)\nP2,\n")
    write(tmp_path, "seats.csv", "seat,team,grade,team_name\nS1,N,A,North region\n"
          "S2,S,A,\nS3,N,B,North region\n")
    ds = load_dataset(tmp_path)
    assert list(ds.products.columns) == list(names.PRODUCTS_COLUMNS)
    assert names.PRODUCTS_COLUMNS[-1] == names.NAME == "name"
    assert ds.products[names.NAME].tolist() == ["Trust A (1m ticket)", "P2"]
    assert list(ds.seats.columns) == list(names.SEATS_COLUMNS)  # names live in ds.teams
    assert ds.teams.to_dict("list") == {"team": ["N", "S"], "name": ["North region", "S"]}


def test_a_team_with_two_names_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "sales.csv", "date,seat,product,amount\n2026-01-05,S1,P1,1\n")
    write(tmp_path, "seats.csv", "seat,team,grade,Region name\nS1,N,A,North\nS2,N,A,Nord\n")
    mapping = write(tmp_path, "m.toml", '[seats.columns]\nteam_name = "Region name"\n')
    with pytest.raises(InputError) as info:
        load_dataset(tmp_path, mapping)
    assert [str(p) for p in info.value.problems] == [
        "seats.csv row 3 column 'Region name': 'Nord' gives team 'N' a second name (row 2 "
        "has 'North'); give each team one name"]


def test_a_dataset_built_in_memory_names_products_and_teams_by_code() -> None:
    from planner.history.dataset import Dataset

    ds = Dataset(pd.DataFrame(), pd.DataFrame({names.TEAM: ["B", "A", "B"]}),
                 pd.DataFrame({names.PRODUCT: ["P1", "P2"]}))
    assert ds.products[names.NAME].tolist() == ["P1", "P2"]
    assert ds.teams.to_dict("list") == {"team": ["A", "B"], "name": ["A", "B"]}


def test_derived_seats_take_a_team_name_from_the_derived_team(tmp_path: Path) -> None:
    write(tmp_path, "sales.csv", "date,Shop,Area,product,amount\n2026-01-05,S1,n,P1,1\n"
          "2026-01-05,S2,s,P1,1\n")
    mapping = write(tmp_path, "m.toml", '[sales.columns]\nseat = "Shop"\n[seats]\n'
                    'derive = { team = "Area", team_name = { column = "team", map = '
                    '{ n = "North" } } }\n')
    ds = load_dataset(tmp_path, mapping)
    assert ds.teams.to_dict("list") == {"team": ["n", "s"], "name": ["North", "s"]}
