"""Mappings: value maps, numeric bins, keep_top with a products file, display names,
every problem of a mapping at once, and README's worked example on Online Retail."""

from __future__ import annotations

import re
import textwrap
import warnings
from pathlib import Path

import pandas as pd
import pytest

from planner import names
from planner.errors import InputError, MappingError
from planner.history.load import load_dataset
from planner.history.mapping import BINS, MAP, load_mapping, parse_mapping

pytestmark = pytest.mark.filterwarnings("ignore::planner.errors.DataWarning")

REPO = Path(__file__).resolve().parents[1]
RETAIL = REPO.parent / "shared" / "data" / "online_retail" / "online_retail.csv.gz"

SALES = """\
Day,Country,Code,Desc,Amount,Cust
2026-01-05,United Kingdom,A,Red mug,100,c1
2026-01-06,France,B,Blue cup,50,c2
2026-01-07,Germany,A,red mug?,30,c2
2026-01-08,Japan,C,Tea pot,900,c3
2026-01-09,Japan,A,Red mug,5,
2026-01-10,France,D,Spoon,1,c1
"""
COLUMNS = """\
[sales]
file = "sales.csv"
[sales.columns]
date = "Day"
seat = "Country"
product = "Code"
amount = "Amount"
customer_id = "Cust"
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load(folder: Path, mapping: str) -> object:
    write(folder, "sales.csv", SALES)
    return load_dataset(folder, write(folder, "m.toml", COLUMNS + mapping))


# --- parsing -------------------------------------------------------------------------


def test_map_and_bins_specs_parse() -> None:
    doc = {"sales": {"columns": {
        "segment": {"column": "amount", "per": "customer_id", "bins": [0, 100, 1000.5],
                    "labels": ["S", "M", 3], "default": "guest"}}},
           "seats": {"derive": {"team": {"column": "Country", "map": {"France": "EU",
                                                                      "Japan": 7},
                                         "default": "ROW"}}}}
    mapping = parse_mapping(doc, source="m.toml")
    bins = mapping["sales"].columns["segment"]
    assert (bins.kind, bins.sources, bins.per) == (BINS, ("amount",), "customer_id")
    assert (bins.bins, bins.labels, bins.default) == ((0.0, 100.0, 1000.5), ("S", "M", "3"),
                                                      "guest")
    assert bins.reads == ("amount", "customer_id")
    team = mapping["seats"].derive["team"]
    assert (team.kind, team.mapping, team.default) == (MAP, {"France": "EU", "Japan": "7"},
                                                       "ROW")


@pytest.mark.parametrize(("spec", "message"), [
    ({"column": "Country", "map": {}}, "m.toml: [sales.columns] segment map must map old "
     "values to new ones, e.g. map = { \"United Kingdom\" = \"UK\" }"),
    ({"column": "Country", "map": {"France": True}}, "m.toml: [sales.columns] segment map "
     "'France' must be a string or a number"),
    ({"column": "Country", "map": {"France": "EU"}, "default": []}, "m.toml: "
     "[sales.columns] segment default must be a string or a number, e.g. default = \"ROW\""),
    ({"column": "Country", "default": "ROW"}, "m.toml: [sales.columns] segment default "
     "needs map or bins; add one, or remove it"),
    ({"map": {"France": "EU"}}, "m.toml: [sales.columns] segment column must name a source "
     "column, e.g. { column = \"Country\" }"),
    ({"column": "X", "map": {"a": "b"}, "bins": [0], "labels": ["a"]}, "m.toml: "
     "[sales.columns] segment has both map and bins; keep one"),
    ({"column": "X", "bins": [0, 100, 50], "labels": ["a", "b", "c"]}, "m.toml: "
     "[sales.columns] segment bins [0, 100, 50] must be increasing, e.g. [0, 100, 1000]"),
    ({"column": "X", "bins": "0-100", "labels": ["a"]}, "m.toml: [sales.columns] segment "
     "bins must list increasing lower edges, e.g. bins = [0, 100, 1000]"),
    ({"column": "X", "bins": [0, 100]}, "m.toml: [sales.columns] segment labels must list "
     "one label per range, e.g. labels = [\"S\", \"M\", \"L\"]"),
    ({"column": "X", "bins": [0, 100], "labels": ["a", "b", "c"]}, "m.toml: [sales.columns] "
     "segment labels has 3 labels for 2 bins edges; give one label per edge (the last range "
     "is open) or one fewer (the last edge closes the last range)"),
    ({"column": "X", "bins": [0], "labels": ["a"], "per": ""}, "m.toml: [sales.columns] "
     "segment per must name a column, e.g. per = \"customer_id\""),
    ({"value": "x", "column": "Y"}, "m.toml: [sales.columns] segment { value = ... } stands "
     "alone; remove column"),
])
def test_map_and_bins_errors_name_the_file_and_key(spec: dict[str, object],
                                                    message: str) -> None:
    with pytest.raises(MappingError) as info:
        parse_mapping({"sales": {"columns": {"segment": spec}}}, source="m.toml")
    assert str(info.value) == message


def test_a_map_or_bins_builds_text_only() -> None:
    doc = {"sales": {"columns": {"amount": {"column": "X", "map": {"a": "1"}}}},
           "seats": {"derive": {"grade": {"multiply": ["A", "B"]}}}}
    with pytest.raises(MappingError) as info:
        parse_mapping(doc, source="m.toml")
    assert str(info.value) == (
        "2 problems in mapping file m.toml:\n"
        "  m.toml: [sales.columns] amount map gives text, and amount is not a text column; "
        "name one source column instead\n"
        "  m.toml: [seats] derive grade multiply gives a number, and grade is text; name one "
        "column instead")


def test_every_problem_of_a_mapping_file_at_once(tmp_path: Path) -> None:
    text = """\
        [sale]
        file = "x.csv"
        [sales]
        file = "a.json"
        [sales.columns]
        amout = "Amount"
        segment = { column = "Spend", bins = [10, 5], labels = ["lo", "hi"] }
        [sales.options]
        returns = "yes"
        keep_top = { product = 0 }
        [seats]
        derive = { team = { column = "Country", map = [] }, grades = "G" }
        [products]
        derive = { name = 3 }
        """
    with pytest.raises(MappingError) as info:
        load_mapping(write(tmp_path, "regions.toml", text))
    assert str(info.value) == (
        "9 problems in mapping file regions.toml:\n"
        "  regions.toml: unknown key 'sale' in the top level; did you mean 'sales'? use one "
        "of: sales, seats, products, customers\n"
        "  regions.toml: [sales] file 'a.json' has an unsupported type; use one of .csv, "
        ".parquet, .xlsx, .csv.gz\n"
        "  regions.toml: unknown key 'amout' in [sales.columns]; did you mean 'amount'? use "
        "one of: date, seat, product, segment, amount, units, customer_id, margin\n"
        "  regions.toml: [sales.columns] segment bins [10, 5] must be increasing, e.g. "
        "[0, 100, 1000]\n"
        "  regions.toml: [sales.options] returns must be true or false\n"
        "  regions.toml: [sales.options] keep_top product must be a positive whole number\n"
        "  regions.toml: unknown key 'grades' in [seats] derive; did you mean 'grade'? use "
        "one of: team, grade, team_name\n"
        "  regions.toml: [seats] derive team map must map old values to new ones, e.g. "
        "map = { \"United Kingdom\" = \"UK\" }\n"
        "  regions.toml: [products] derive name must be a source column name (\"Col\"), "
        "{ column = \"Col\" }, { multiply = [\"A\", \"B\"] }, { value = \"constant\" }, "
        "{ column = \"Col\", map = { old = \"new\" }, default = \"X\" } or { column = \"Col\", "
        "bins = [0, 100], labels = [\"low\", \"high\"] }")


def test_load_time_mapping_problems_at_once(tmp_path: Path) -> None:
    mapping = """\
        [sales.options]
        exclude = { Invoice = ["A"] }
        drop_missing = ["units"]
        [seats]
        derive = { team = { column = "Region", map = { x = "y" } }, grade = "Level" }
        """
    with pytest.raises(MappingError) as info:
        load(tmp_path, textwrap.dedent(mapping))
    found = "Day, Country, Code, Desc, Amount, Cust"
    assert str(info.value) == (
        "4 problems in mapping file m.toml:\n"
        f"  m.toml: [sales.options] exclude key 'Invoice' is neither a mapped canonical column "
        f"nor a column of sales.csv (found: {found}); fix the key\n"
        "  m.toml: [sales.options] drop_missing names 'units', which is not a column of "
        "sales.csv; map it in [sales.columns] or remove it\n"
        f"  m.toml: [seats] derive team names column 'Region', which sales.csv does not have; "
        f"name one of its columns ({found}) or a canonical sales column\n"
        f"  m.toml: [seats] derive grade names column 'Level', which sales.csv does not have; "
        f"name one of its columns ({found}) or write a constant as {{ value = 'Level' }}")


# --- value maps and bins at load ------------------------------------------------------

REGIONS = """\
[seats]
derive = { team = { column = "Country", map = { "United Kingdom" = "UK", France = "EU", Germany = "EU" }, default = "ROW" }, team_name = { column = "team", map = { UK = "United Kingdom", EU = "Europe" } } }
"""


def test_team_from_a_value_map_with_a_default_and_team_names(tmp_path: Path) -> None:
    ds = load(tmp_path, REGIONS)
    assert ds.seats[[names.SEAT, names.TEAM]].values.tolist() == [
        ["France", "EU"], ["Germany", "EU"], ["Japan", "ROW"], ["United Kingdom", "UK"]]
    assert ds.sales[names.TEAM].tolist() == ["UK", "EU", "EU", "ROW", "ROW", "EU"]
    # the team_name map has no default: ROW keeps its code as its name
    assert ds.teams.values.tolist() == [["EU", "Europe"], ["ROW", "ROW"],
                                        ["UK", "United Kingdom"]]


def test_a_map_without_default_keeps_unlisted_values(tmp_path: Path) -> None:
    ds = load(tmp_path, '[sales.columns.segment]\ncolumn = "Country"\nmap = { Japan = "JP" }\n')
    assert ds.sales[names.SEGMENT].tolist() == ["United Kingdom", "France", "Germany", "JP",
                                                "JP", "France"]


def test_segments_from_each_customers_spend(tmp_path: Path) -> None:
    bins = ('[sales.columns.segment]\ncolumn = "amount"\nper = "customer_id"\n'
            'bins = [0, 100, 500]\nlabels = ["S", "M", "L"]\ndefault = "guest"\n')
    ds = load(tmp_path, bins)
    # c1 spends 101, c2 80, c3 900; the row without a customer is a guest
    assert ds.sales[names.SEGMENT].tolist() == ["M", "S", "S", "L", "guest", "M"]
    closed = bins.replace('["S", "M", "L"]', '["S", "M"]')
    ds = load(tmp_path, closed)  # the last edge closes the last range: c3 (900) is a guest
    assert ds.sales[names.SEGMENT].tolist() == ["M", "S", "S", "guest", "guest", "M"]


def test_values_bins_cannot_place_are_problems_without_a_default(tmp_path: Path) -> None:
    bins = ('[sales.columns.segment]\ncolumn = "amount"\nper = "customer_id"\n'
            'bins = [90, 500]\nlabels = ["M"]\n')
    with pytest.raises(InputError) as info:
        load(tmp_path, bins)
    assert [str(p) for p in info.value.problems] == [
        "sales.csv row 3 column 'Amount': 80.0 (the total of amount over customer_id 'c2') is "
        "below 90, the first bins edge of segment in the mapping; add a lower edge (bins may "
        "start at -inf) or a default",
        "sales.csv row 5 column 'Amount': 900.0 (the total of amount over customer_id 'c3') "
        "is above 500, the last bins edge of segment in the mapping; give one label per edge "
        "so the last range is open, or add a default",
        "sales.csv row 6 column 'Cust': value is missing, so the bins of segment in "
        "the mapping cannot place the row; fill it in, or give the bins a default",
    ]


def test_bins_of_a_source_column_row_by_row(tmp_path: Path) -> None:
    ds = load(tmp_path, '[sales.columns.segment]\ncolumn = "Amount"\nbins = [-inf, 50]\n'
              'labels = ["small", "big"]\n')
    assert ds.sales[names.SEGMENT].tolist() == ["big", "big", "small", "big", "small",
                                                "small"]


def test_a_map_reading_a_missing_column_names_the_mapping(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load(tmp_path, '[sales.columns.segment]\ncolumn = "Region"\nmap = { a = "b" }\n')
    assert [str(p) for p in info.value.problems] == [
        "sales.csv: missing column 'Region', mapped to 'segment' in [sales.columns] of "
        "m.toml (found: Day, Country, Code, Desc, Amount, Cust); fix the mapping or the "
        "file's header"]


# --- keep_top with a products file, and product names -----------------------------------


def test_keep_top_with_a_products_file_of_the_kept_products_and_the_catch_all(
        tmp_path: Path) -> None:
    write(tmp_path, "products.csv", """\
        product,ticket_mode,fixed_ticket,margin_tier,name
        C,fixed,300,high,Teapot (large)
        A,variable,,low,
        REST,variable,,standard,Everything else
        """)
    ds = load(tmp_path, '[sales.options]\nkeep_top = { product = 2, other = "REST" }\n'
              '[products]\nfile = "products.csv"\n')
    products = ds.products.set_index(names.PRODUCT)
    assert list(products.index) == ["C", "A", "REST"]
    assert products.loc["C", names.FIXED_TICKET] == 300
    assert products.loc["REST", names.NAME] == "Everything else"
    assert products[names.NAME].tolist() == ["Teapot (large)", "A", "Everything else"]
    assert ds.sales[names.PRODUCT].tolist() == ["A", "REST", "A", "C", "A", "REST"]
    assert ds.report.counts["other_values"] == 2


def test_keep_top_describes_kept_products_the_file_leaves_out(tmp_path: Path) -> None:
    write(tmp_path, "products.csv", "product,name\nREST,Everything else\nB,grouped anyway\n")
    ds = load(tmp_path, '[sales.options]\nkeep_top = { product = 2, other = "REST" }\n'
              '[products]\nfile = "products.csv"\nderive = { name = "Desc" }\n')
    assert ds.products[[names.PRODUCT, names.NAME, names.TICKET_MODE]].values.tolist() == [
        ["REST", "Everything else", "variable"], ["A", "Red mug", "variable"],
        ["C", "Tea pot", "variable"]]
    assert ("products.csv describes 0 of the 2 kept products; A, C described as derived "
            "from sales (variable ticket, margin tier from margin-rate terciles)"
            in ds.report.notes)


def test_without_keep_top_every_sold_product_must_be_in_the_file(tmp_path: Path) -> None:
    write(tmp_path, "products.csv", "product\nA\nB\nC\n")
    with pytest.raises(InputError) as info:
        load(tmp_path, '[products]\nfile = "products.csv"\n')
    assert [str(p) for p in info.value.problems] == [
        "sales.csv row 7 column 'Code': 'D' is not a product in products.csv; add it to "
        "products.csv or fix the row"]


def test_product_names_from_a_sales_column_and_default_codes(tmp_path: Path) -> None:
    ds = load(tmp_path, '[products]\nderive = { name = "Desc" }\n')
    assert ds.products[[names.PRODUCT, names.NAME]].values.tolist() == [
        ["A", "Red mug"], ["B", "Blue cup"], ["C", "Tea pot"], ["D", "Spoon"]]
    ds = load(tmp_path, "")
    assert ds.products[names.NAME].tolist() == ["A", "B", "C", "D"]
    assert ds.teams.values.tolist() == [[c, c] for c in ("France", "Germany", "Japan",
                                                         "United Kingdom")]


# --- README's worked example on Online Retail -----------------------------------------


def _readme_blocks() -> tuple[str, str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Worked example: regions of countries"):]
    toml = re.search(r"```toml\n(.*?)```", section, re.S)
    csv = re.search(r"```csv\n(.*?)```", section, re.S)
    assert toml is not None and csv is not None
    return toml.group(1), csv.group(1)


def test_readme_worked_example_parses() -> None:
    toml, csv = _readme_blocks()
    import tomllib

    mapping = parse_mapping(tomllib.loads(toml), source="regions.toml")
    team = mapping["seats"].derive["team"]
    assert (team.kind, team.default, team.mapping["France"]) == (MAP, "ROW", "EU")
    assert mapping["sales"].options.keep_top.n == 20
    assert csv.splitlines()[1].startswith("OTHER,")


@pytest.fixture(scope="module")
def regions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not RETAIL.is_file():
        pytest.skip(f"real data not available: {RETAIL}")
    folder = tmp_path_factory.mktemp("regions")
    (folder / "online_retail.csv.gz").symlink_to(RETAIL)
    toml, csv = _readme_blocks()
    (folder / "regions.toml").write_text(toml, encoding="utf-8")
    (folder / "products.csv").write_text(csv, encoding="utf-8")
    return folder


def test_worked_example_loads_regions_top_products_and_names(regions: Path) -> None:
    ds = load_dataset(regions, regions / "regions.toml")
    assert len(ds.seats) == 38
    assert ds.teams.values.tolist() == [["EU", "European Union"], ["ROW", "Rest of the world"],
                                        ["UK", "United Kingdom"]]
    team = ds.seats.set_index(names.SEAT)[names.TEAM]
    assert (team["France"], team["Norway"], team["United Kingdom"]) == ("EU", "ROW", "UK")
    products = ds.products.set_index(names.PRODUCT)
    assert len(products) == 21
    assert products.loc["OTHER", names.NAME] == "All other stock codes"
    assert products.loc["85123A", names.NAME] == "White hanging heart T-light holder"
    assert products.loc["85123A", names.MARGIN_TIER] == "high"
    assert products.loc["22423", names.NAME] == "REGENCY CAKESTAND 3 TIER"
    assert products.loc["22086", names.NAME] == "PAPER CHAIN KIT 50'S CHRISTMAS"
    segments = ds.sales[names.SEGMENT].value_counts()
    assert set(segments.index) == {"small", "medium", "large", "guest"}
    assert segments["guest"] == ds.sales[names.CUSTOMER_ID].isna().sum()
    assert ("products.csv describes 1 of the 20 kept products; " in
            " ".join(ds.report.notes))


def test_worked_example_plans_by_region_on_englands_calendar(regions: Path) -> None:
    from planner import api

    (regions / "plan.toml").write_text(textwrap.dedent("""\
        name = "regions"
        [data]
        dir = "."
        mapping = "regions.toml"
        window_end = "2011-11-30"
        [calendar]
        year = 2012
        country = "GB"
        subdivision = "ENG"
        [target]
        multiple = 1.3
        [levers.customers]
        cap = 0.3
        [levers.ticket]
        cap = 0.15
        [levers.productivity]
        cap = 1.0
        [allocation]
        capacity_basis = "seat"
        fairness_band = 0.30
        capacity_headroom = 0.25
        [[hires]]
        team = "EU"
        grade = "all"
        month = 3
        count = 2
        """), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = api.plan(regions / "plan.toml")
    settings = dict(plan.settings)
    assert settings["calendar country"] == "GB-ENG"
    assert settings["calendar"] == "official"
    by_team = plan.plan.groupby(names.TEAM)[names.AMOUNT].sum()
    assert sorted(by_team.index) == ["EU", "ROW", "UK"]
    assert by_team.sum() == pytest.approx(plan.target * (1 + plan.buffer), rel=1e-6)
    last_year = plan.history_teams.groupby(names.TEAM)[names.AMOUNT].sum()
    growth = by_team / last_year
    # two hires rated at the mean EU country: EU grows more than the rest, within reason
    assert growth["EU"] > growth["UK"]
    assert growth["EU"] < 2.0
    assert isinstance(plan.plan, pd.DataFrame)


def test_a_map_of_a_canonical_column_the_file_lacks_names_the_mapping(tmp_path: Path) -> None:
    """``units`` is canonical but neither mapped nor in the file: the map cannot read it."""
    with pytest.raises(InputError) as info:
        load(tmp_path, '[sales.columns.segment]\ncolumn = "units"\nmap = { "1" = "one" }\n')
    assert [str(p) for p in info.value.problems] == [
        "sales.csv: missing column 'units', mapped to 'segment' in [sales.columns] of m.toml "
        "(found: Day, Country, Code, Desc, Amount, Cust); fix the mapping or the file's header"]
