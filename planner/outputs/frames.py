"""Pure reshaping of a PlanResult into the grids the workbooks and charts show.

Everything is aggregated once for all teams (one groupby per grid) and sorted by team
(:class:`TeamGrids`); a team's grids are then read from its slice of positions, so
writing 400 team workbooks neither filters the plan 400 times nor reshapes it per team
with pandas (a team's seats are lists and an array, :class:`SeatRows`; their frames are
made only when asked for). The slices are cut where a team's workbook is written (in the workers).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner import names as n
from planner.grouping import KeyCodes, first_rows, group_sums
from planner.outputs.display import Display
from planner.plan_result import PlanResult

TIER_ORDER = {tier: i for i, tier in enumerate(n.MARGIN_TIERS)}
HIGH = n.MARGIN_TIERS[0]


def months_of(year: int) -> list[str]:
    """Return the twelve ``YYYY-MM`` labels of ``year``.

    Examples
    --------
    >>> months_of(2027)[:2]
    ['2027-01', '2027-02']
    """
    return [f"{year:04d}-{m:02d}" for m in range(1, 13)]


def tiers(result: PlanResult) -> dict[str, str]:
    """Margin tier per product (``""`` when unknown)."""
    products = result.products
    if n.MARGIN_TIER not in products.columns:
        return {}
    return {str(p): ("" if pd.isna(t) else str(t))
            for p, t in zip(products[n.PRODUCT], products[n.MARGIN_TIER], strict=True)}


def product_order(result: PlanResult) -> list[str]:
    """Products grouped by margin tier (high, standard, low, other), then as listed.

    Products of the plan missing from ``result.products`` come last, in plan order.
    """
    listed = [str(p) for p in result.products[n.PRODUCT]] if len(result.products) else []
    listed += [str(p) for p in result.plan[n.PRODUCT].unique().tolist() if str(p) not in listed]
    tier = tiers(result)
    position = {p: i for i, p in enumerate(listed)}
    return sorted(listed, key=lambda p: (TIER_ORDER.get(tier.get(p, ""), len(TIER_ORDER)),
                                         position[p]))


def week_table(result: PlanResult) -> pd.DataFrame:
    """``week, week_start, working_days`` for every week of the calendar or the plan."""
    weeks = result.calendar_weeks.loc[:, [n.WEEK, n.WEEK_START, n.WORKING_DAYS]].copy()
    extra = result.plan.loc[~result.plan[n.WEEK].isin(weeks[n.WEEK]), [n.WEEK, n.WEEK_START]]
    extra = extra.drop_duplicates(n.WEEK).assign(**{n.WORKING_DAYS: float("nan")})
    weeks = pd.concat([weeks, extra], ignore_index=True) if len(extra) else weeks
    return weeks.sort_values([n.WEEK_START, n.WEEK], kind="stable").reset_index(drop=True)


def product_month(plan: pd.DataFrame, products: list[str], months: list[str]) -> pd.DataFrame:
    """Amount by product (rows, in ``products`` order) and month (columns)."""
    grid = plan.groupby([n.PRODUCT, n.MONTH], sort=False)[n.AMOUNT].sum().unstack(n.MONTH)
    return grid.reindex(index=products, columns=months).fillna(0.0)


def week_product(plan: pd.DataFrame, weeks: list[str], products: list[str]) -> pd.DataFrame:
    """Amount by week (rows) and product (columns); straddling weeks summed."""
    grid = plan.groupby([n.WEEK, n.PRODUCT], sort=False)[n.AMOUNT].sum().unstack(n.PRODUCT)
    return grid.reindex(index=weeks, columns=products).fillna(0.0)


def team_product(plan: pd.DataFrame, teams: list[str], products: list[str]) -> pd.DataFrame:
    """Amount by team (rows) and product (columns)."""
    grid = plan.groupby([n.TEAM, n.PRODUCT], sort=False)[n.AMOUNT].sum().unstack(n.PRODUCT)
    return grid.reindex(index=teams, columns=products).fillna(0.0)


def history_by_month(result: PlanResult) -> list[float]:
    """Last year's company amount per calendar month 1..12."""
    hist = result.history_monthly
    if hist.empty:
        return [0.0] * 12
    by_month = hist.groupby(hist[n.MONTH].astype(int))[n.AMOUNT].sum()
    return [float(by_month.get(m, 0.0)) for m in range(1, 13)]


def history_by_product(result: PlanResult) -> dict[str, float]:
    """Last year's amount per product."""
    hist = result.history_monthly
    if hist.empty:
        return {}
    return {str(k): float(v) for k, v in hist.groupby(n.PRODUCT)[n.AMOUNT].sum().items()}


@dataclass(frozen=True)
class SeatRows:
    """A team's seats, each with its amount per column (months, or products).

    Attributes
    ----------
    seats, grades : list of str
        Each seat and its grade, in order.
    columns : Index
        The amounts' columns (named as the frame's columns are).
    values : ndarray
        Seats x columns, floats in C order (as ``frame.iloc[:, 2:].to_numpy(float)``).
    text_type : object
        The dtype of the frame's ``seat`` and ``grade`` columns.
    """

    seats: list[str]
    grades: list[str]
    columns: pd.Index
    values: np.ndarray
    text_type: object = object

    def frame(self) -> pd.DataFrame:
        """``seat, grade`` and the columns, one row per seat."""
        frame = pd.DataFrame(self.values, columns=list(self.columns))
        frame.insert(0, n.GRADE, pd.array(self.grades, dtype=self.text_type))  # type: ignore[arg-type]
        frame.insert(0, n.SEAT, pd.array(self.seats, dtype=self.text_type))  # type: ignore[arg-type]
        frame.columns.name = self.columns.name
        return frame


class _SeatTable:
    """Every team's seats of one seat grid, as lists and one array (see :class:`SeatRows`).

    Parameters
    ----------
    grid : DataFrame
        ``team, seat, grade`` and the amounts, sorted by team (empty: no seats).
    spans : dict of str to (int, int)
        Each team's first and end row.
    """

    def __init__(self, grid: pd.DataFrame, spans: dict[str, tuple[int, int]]) -> None:
        self.spans = spans
        if grid.empty:
            self.seats: list[str] = []
            self.grades: list[str] = []
            self.values = np.zeros((0, 0))
            self.position: dict[object, int] = {}
            self.name = None
            self.text_type: object = object
            return
        self.seats, self.grades = grid[n.SEAT].tolist(), grid[n.GRADE].tolist()
        self.values = grid.iloc[:, 3:].to_numpy(dtype=float)
        self.position = {label: k for k, label in enumerate(grid.columns[3:])}
        self.name = grid.columns.name
        self.text_type = grid[n.SEAT].dtype

    def rows(self, team: str, columns: pd.Index) -> SeatRows:
        """The team's seats with the amounts of ``columns`` (0 where a column is missing)."""
        first, end = self.spans.get(team, (0, 0))
        at = np.array([self.position.get(label, -1) for label in columns], dtype=np.intp)
        values = np.zeros((end - first, len(at)))
        have = at >= 0
        values[:, have] = self.values[first:end][:, at[have]]
        return SeatRows(self.seats[first:end], self.grades[first:end], columns, values,
                        self.text_type)


@dataclass
class TeamData:
    """One team's grids, ready to write.

    Attributes
    ----------
    team : str
        Team name as the user wrote it.
    products : list of str
        The team's products, high-margin first.
    tiers : list of str
        Margin tier of each product.
    monthly : DataFrame
        Amount, products x the twelve months.
    weekly : DataFrame
        Amount, weeks (all of the year, in order) x products.
    weeks : DataFrame
        ``week, week_start, working_days``.
    seat_rows : SeatRows
        Per seat (sorted): the amount per month (the twelve months).
    seat_product_rows : SeatRows
        Per seat (sorted): the year's amount per product, in ``products`` order.
    seats, seat_products : DataFrame
        The same as frames (made on first use): ``seat, grade`` and the amounts.
    kpi_targets : dict of str to float
        Full-year targets of the customer KPIs (``new_customers``,
        ``active_customers``) when the plan has them.
    team_label : str
        The team as shown: ``"code name"`` (:mod:`planner.outputs.display`).
    product_labels : list of str
        Each product as shown, in ``products`` order.
    """

    team: str
    products: list[str]
    tiers: list[str]
    monthly: pd.DataFrame
    weekly: pd.DataFrame
    weeks: pd.DataFrame
    seat_rows: SeatRows
    seat_product_rows: SeatRows
    kpi_targets: dict[str, float] = field(default_factory=dict)
    team_label: str = ""
    product_labels: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.team_label:
            self.team_label = str(self.team)
        if len(self.product_labels) != len(self.products):
            self.product_labels = [str(p) for p in self.products]

    @functools.cached_property
    def seats(self) -> pd.DataFrame:
        """Per seat: ``seat, grade`` and the twelve months."""
        return self.seat_rows.frame()

    @functools.cached_property
    def seat_products(self) -> pd.DataFrame:
        """Per seat: ``seat, grade`` and the year's amount per product."""
        return self.seat_product_rows.frame()


class _Slices:
    """An aggregate's values and codes sorted by team: team ``i`` owns ``[bounds[i], bounds[i+1])``.

    Parameters
    ----------
    team : ndarray of int
        Each value's team position (-1: a team not listed, dropped).
    codes : sequence of ndarray of int
        Further codes of each value (the same length).
    values : ndarray
        The values.
    teams : int
        Number of teams.
    """

    def __init__(self, team: np.ndarray, codes: Sequence[np.ndarray], values: np.ndarray,
                 teams: int) -> None:
        keep = team >= 0
        order = np.argsort(team[keep], kind="stable")
        self.codes = [c[keep][order] for c in codes]
        self.values = values[keep][order]
        self.bounds = np.searchsorted(team[keep][order], np.arange(teams + 1))

    def part(self, i: int) -> tuple[list[np.ndarray], np.ndarray]:
        """Team ``i``'s codes and values."""
        lo, hi = int(self.bounds[i]), int(self.bounds[i + 1])
        return [c[lo:hi] for c in self.codes], self.values[lo:hi]


def _codes(labels: pd.MultiIndex, level: int, known: Sequence[object],
           as_text: bool = False) -> np.ndarray:
    """Position of each label of ``level`` in ``known`` (-1 when not there).

    Each distinct label is looked up once (``as_text``: as ``str``), then spread by the
    level's codes.
    """
    values = labels.levels[level]
    at = pd.Index(list(known)).get_indexer(values.astype(str) if as_text else values)
    codes = np.asarray(labels.codes[level])
    return np.where(codes >= 0, np.append(at, -1)[codes], -1)


def _spans(frame: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Each team's first and end row in ``frame`` (sorted by its text ``team`` column)."""
    team = frame[n.TEAM].to_numpy()
    starts = np.flatnonzero(np.r_[True, team[1:] != team[:-1]]) if len(team) else team
    ends = np.r_[starts[1:], len(team)]
    return {str(team[a]): (int(a), int(b)) for a, b in zip(starts, ends, strict=True)}


def _seat_grids(plan_seats: pd.DataFrame, months: list[str]
                ) -> tuple[tuple[pd.DataFrame, dict[str, tuple[int, int]]],
                           tuple[pd.DataFrame, dict[str, tuple[int, int]]]]:
    """All teams: seats x months and seats x products (year), amounts summed.

    Both frames have ``team, seat, grade`` columns first, sorted by team, seat and grade,
    each with its teams' (text) first and end rows.
    """
    if plan_seats.empty:
        return (pd.DataFrame(), {}), (pd.DataFrame(), {})
    keys = [n.TEAM, n.SEAT, n.GRADE]
    frame = plan_seats.assign(**{k: plan_seats[k].astype(str) for k in (*keys, n.PRODUCT)})
    coded = KeyCodes.of(frame, [*keys, n.MONTH, n.PRODUCT])
    by_month = _summed(frame, coded, [*keys, n.MONTH]).unstack(n.MONTH)
    by_month = by_month.reindex(columns=months).fillna(0.0).reset_index()
    by_product = _summed(frame, coded, [*keys, n.PRODUCT]).unstack(n.PRODUCT)
    by_product = by_product.fillna(0.0).reset_index()
    return (by_month, _spans(by_month)), (by_product, _spans(by_product))


def _summed(frame: pd.DataFrame, keys: KeyCodes, columns: list[str],
            sort: bool = True) -> pd.Series:
    """``frame.groupby(columns, sort=sort)[amount].sum()``, grouped on the coded keys.

    The same groups, in the same order (sorted, or in order of first appearance without
    ``sort``), with pandas' own sums over the rows in order. The MultiIndex's levels
    hold each key's distinct values sorted (pandas' without ``sort`` are in order of
    appearance), so an ``unstack`` matches pandas' only with ``sort``.
    """
    if any(keys.values[c].hasnans for c in columns):  # pandas leaves those rows out
        return frame.groupby(columns, sort=sort)[n.AMOUNT].sum()
    if sort:
        ids, first = keys.sorted_groups(columns)
    else:
        ids = keys.first_seen(columns)
        first = first_rows(ids, int(ids.max()) + 1 if len(ids) else 0)
    sums = group_sums(frame[n.AMOUNT].to_numpy(), ids, len(first))
    index = pd.MultiIndex(levels=[keys.values[c] for c in columns],
                          codes=[keys.codes[c][first] for c in columns], names=columns,
                          verify_integrity=False)
    return pd.Series(sums, index=index, name=n.AMOUNT)


def _grid(values: np.ndarray, index: pd.Index, columns: pd.Index) -> pd.DataFrame:
    """A frame over ``values`` (rows x columns, C order) whose ``to_numpy()`` is ``values``.

    Not copied: the frame's ``to_numpy()`` keeps the row-major layout the reshaped
    grids had before, so numpy's sums over it (the workbooks' cached totals) add in the
    same order, to the last bit.
    """
    return pd.DataFrame(values, index=index, columns=columns, copy=False)


class TeamGrids:
    """Every team's grids of a plan, aggregated once; :meth:`team` cuts one team's.

    Parameters
    ----------
    result : PlanResult

    Attributes
    ----------
    teams : list
        The teams, in plan order (:attr:`PlanResult.teams`).
    """

    def __init__(self, result: PlanResult) -> None:
        self.teams = result.teams
        self.months = months_of(result.year)
        self.order = product_order(result)
        self.tier = tiers(result)
        self.weeks = week_table(result)
        self.week_labels = self.weeks[n.WEEK].tolist()
        plan, count = result.plan, len(self.teams)
        coded = KeyCodes.of(plan, [n.TEAM, n.PRODUCT, n.MONTH, n.WEEK])
        monthly = _summed(plan, coded, [n.TEAM, n.PRODUCT, n.MONTH], sort=False)
        index = monthly.index
        self._monthly = _Slices(
            _codes(index, 0, self.teams),
            [_codes(index, 1, self.order, as_text=True), _codes(index, 1, self.order),
             _codes(index, 2, self.months)],
            monthly.to_numpy(float), count)
        weekly = _summed(plan, coded, [n.TEAM, n.WEEK, n.PRODUCT], sort=False)
        index = weekly.index
        self._weekly = _Slices(
            _codes(index, 0, self.teams),
            [_codes(index, 1, self.week_labels), _codes(index, 2, self.order)],
            weekly.to_numpy(float), count)
        self._seat_months, self._seat_products = (
            _SeatTable(*grid) for grid in _seat_grids(result.plan_seats, self.months))
        self.display = Display.of(result)
        self._indexes: dict[tuple[str | None, tuple[str, ...]], pd.Index] = {}
        customers = result.customer_targets
        self.kpis = ({} if customers.empty else
                     {str(r[n.TEAM]): {k: float(v) for k, v in r.items() if k != n.TEAM}
                      for r in customers.to_dict("records")})

    def __len__(self) -> int:
        """Number of teams."""
        return len(self.teams)

    def _seats(self, team: str, products: list[str]) -> tuple[SeatRows, SeatRows]:
        """The team's seats x months, and seats x its products (no seats: no rows)."""
        months, by_product = self._seat_months, self._seat_products
        return (months.rows(team, self._labels(months.name, self.months)),
                by_product.rows(team, self._labels(by_product.name, products)))

    def _labels(self, name: str | None, labels: list[str]) -> pd.Index:
        """``pd.Index(labels, name=name)``, made once per list (an Index never changes)."""
        key = (name, tuple(labels))
        index = self._indexes.get(key)
        if index is None:
            index = self._indexes[key] = pd.Index(labels, name=name)
        return index

    def team(self, i: int) -> TeamData:
        """The grids of the ``i``-th team."""
        team = self.teams[i]
        (present, product, month), amounts = self._monthly.part(i)
        shown = np.unique(present[present >= 0])  # positions in the product order
        products = [self.order[k] for k in shown]
        monthly = np.zeros((len(products), len(self.months)))
        known = (product >= 0) & (month >= 0)
        monthly[np.searchsorted(shown, product[known]), month[known]] = amounts[known]
        (week, product), amounts = self._weekly.part(i)
        weekly = np.zeros((len(self.week_labels), len(products)))
        column = np.searchsorted(shown, product)
        known = (week >= 0) & (product >= 0) & (column < len(shown))
        known[known] &= shown[column[known]] == product[known]
        weekly[week[known], column[known]] = amounts[known]
        seats, seat_products = self._seats(str(team), products)
        return TeamData(
            team=team,
            products=products,
            tiers=[self.tier.get(p, "") for p in products],
            monthly=_grid(monthly, self._labels(n.PRODUCT, products),
                          self._labels(n.MONTH, self.months)),
            weekly=_grid(weekly, self._labels(n.WEEK, self.week_labels),
                         self._labels(n.PRODUCT, products)),
            weeks=self.weeks,
            seat_rows=seats,
            seat_product_rows=seat_products,
            kpi_targets=self.kpis.get(str(team), {}),
            team_label=self.display.team(team),
            product_labels=self.display.product_labels(products),
        )


def iter_teams(result: PlanResult) -> Iterator[TeamData]:
    """Yield each team's grids, in plan order."""
    grids = TeamGrids(result)
    for i in range(len(grids)):
        yield grids.team(i)
