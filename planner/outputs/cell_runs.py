"""Runs of cells stored whole: a row's numbers, blanks, texts or formulas, in one format.

A team workbook's grids (weeks x products, products x months, seats x months) are most
of its cells. Storing each as an xlsxwriter cell tuple and writing each as its own
``<c>`` element costs several microseconds a cell; a :class:`Run` keeps one row of such
a grid as it is, and :func:`run_xml` writes its cells with one string operation. The
cells are the ones ``write_number`` (or ``write_blank``) of each would have stored, and
the XML is xlsxwriter's byte for byte. A :class:`XmlRun` keeps a row of texts or
formulas the same way, its XML made when it is stored (only the style index, known when
the sheet is written, is left to fill in):

- A cell written later over a run's cell wins, as it would in xlsxwriter: the runs of a
  row are looked up beside the row's ordinary cells, and an ordinary cell in a run's
  columns is always the later one, because storing a run removes the ordinary cells
  under it (and turns older runs under it into ordinary cells).
- Anything of xlsxwriter that reads the cell table itself (chart data, ``autofit``,
  hyperlinks, its own XML writer) first has every run turned into ordinary cells
  (:meth:`RowRuns.settle`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final, NamedTuple

from planner.outputs.cell_kinds import BlankCell, NumberCell

_NEW: Final = tuple.__new__
ROW_MARK: Final = "\x00"  # where a run's template takes its row number
STYLE_MARK: Final = "\x01"  # where a :class:`XmlRun`'s XML takes its style index


class Run(NamedTuple):
    """Cells ``first`` .. ``last`` of one row, all in format ``fmt``.

    Attributes
    ----------
    first, last : int
        Zero-based first and last column.
    numbers : tuple of float, or None
        The numbers, left to right; None for formatted blanks.
    fmt : Format
        The cells' format.
    """

    first: int
    last: int
    numbers: tuple[Any, ...] | None
    fmt: Any

    def cells(self) -> Iterable[tuple[int, Any]]:
        """``(column, cell)`` of each cell, as xlsxwriter would have stored it."""
        if self.numbers is None:
            blank = _NEW(BlankCell, (self.fmt,))
            return ((col, blank) for col in range(self.first, self.last + 1))
        fmt = self.fmt
        return ((col, _NEW(NumberCell, (number, fmt)))
                for col, number in enumerate(self.numbers, self.first))


class XmlRun(NamedTuple):
    """Cells ``first`` .. ``last`` of one row, all in format ``fmt``, as XML.

    Attributes
    ----------
    first, last : int
        Zero-based first and last column.
    xml : str
        The cells' ``<c>`` elements, with :data:`STYLE_MARK` for the format's style
        index (see :func:`xml_of`).
    fmt : Format
        The cells' format.
    kind : type
        The class xlsxwriter stores each cell in (``StringCell`` or ``FormulaCell``).
    fields : tuple of tuple
        Each cell's fields but its format: ``(string index,)`` or ``(formula, value)``.
    """

    first: int
    last: int
    xml: str
    fmt: Any
    kind: Any
    fields: tuple[tuple[Any, ...], ...]

    def cells(self) -> Iterable[tuple[int, Any]]:
        """``(column, cell)`` of each cell, as xlsxwriter would have stored it."""
        kind, fmt = self.kind, self.fmt
        return ((col, _NEW(kind, (field[0], fmt, *field[1:])))
                for col, field in enumerate(self.fields, self.first))


def xml_of(run: XmlRun, style: str) -> str:
    """A :class:`XmlRun`'s cells as XML, in the style index ``style``."""
    return run.xml.replace(STYLE_MARK, style)


class RowRuns:
    """The runs of a worksheet, by row, beside its cell table (see module)."""

    def __init__(self) -> None:
        self.rows: dict[int, list[Run | XmlRun]] = {}

    def __bool__(self) -> bool:
        return bool(self.rows)

    def add(self, table: Any, row: int, run: Run | XmlRun) -> None:
        """Store ``run`` in ``row``, over whatever its cells were.

        Parameters
        ----------
        table : dict
            The worksheet's cell table (row -> column -> cell).
        row : int
        run : Run or XmlRun
        """
        first, last = run.first, run.last
        runs = self.rows.get(row)
        if runs is None:
            self.rows[row] = [run]
        else:
            kept = []
            for old in runs:
                if old.last < first or old.first > last:
                    kept.append(old)
                else:  # partly under the new run: its cells become ordinary ones
                    cells = table[row]
                    for col, cell in old.cells():
                        cells.setdefault(col, cell)  # a later ordinary cell stays
            kept.append(run)
            self.rows[row] = kept
        cells = table.get(row)
        if cells:
            for col in [col for col in cells if first <= col <= last]:
                del cells[col]

    def span(self, row: int) -> tuple[int, int] | None:
        """First and last column of the row's runs (None without runs)."""
        runs = self.rows.get(row)
        if not runs:
            return None
        return min(run.first for run in runs), max(run.last for run in runs)

    def settle(self, table: Any) -> None:
        """Turn every run into ordinary cells of ``table`` (later cells win)."""
        for row, runs in self.rows.items():
            cells = table[row]
            for run in runs:
                for col, cell in run.cells():
                    cells.setdefault(col, cell)
        self.rows.clear()


def run_template(letters: list[str], run: Run, style: str) -> str:
    """The XML of a run's cells with :data:`ROW_MARK` for the row number.

    Numbers are ``%.16G`` fields, which format exactly as xlsxwriter's ``{:.16G}``.
    """
    columns = letters[run.first:run.last + 1]
    if run.numbers is None:
        return "".join([f'<c r="{col}{ROW_MARK}" s="{style}"/>' for col in columns])
    return "".join([f'<c r="{col}{ROW_MARK}" s="{style}"><v>%.16G</v></c>'
                    for col in columns])


def run_xml(template: str, number: str, run: Run) -> str:
    """A run's cells as XML, from its :func:`run_template` and the row number (1-based)."""
    text = template.replace(ROW_MARK, number)
    return text if run.numbers is None else text % run.numbers
