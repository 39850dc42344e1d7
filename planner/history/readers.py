"""Read history files (CSV, CSV.gz, Parquet, .xlsx) into raw frames.

A raw frame keeps the user's column names (surrounding spaces removed) and values: CSV
and Excel cells are read as text (empty cells are missing), Parquet columns keep their
types. Its index is the data row position, so the spreadsheet-style row number of a row
is ``index + 2`` (the header is row 1).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import openpyxl
import pandas as pd

from planner import names
from planner.errors import InputError, Problem
from planner.history.mapping import TableMapping

FIRST_DATA_ROW = 2


def suffix_of(path: Path | str) -> str | None:
    """Return the data suffix of ``path`` (``.csv.gz`` counts as one), or None.

    Examples
    --------
    >>> suffix_of("a/sales.CSV.gz")
    '.csv.gz'
    >>> suffix_of("notes.txt") is None
    True
    """
    name = Path(path).name.lower()
    for suffix in sorted(names.DATA_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return None


def expected_names(table: str) -> str:
    """Return the accepted file names of ``table``, e.g. ``sales.csv, sales.csv.gz, ...``."""
    return ", ".join(f"{table}{s}" for s in names.DATA_SUFFIXES)


def find_table_file(data_dir: Path, table: str) -> Path | None:
    """Return the file of ``table`` in ``data_dir`` (``<table>`` plus a data suffix).

    Returns None when there is none.

    Raises
    ------
    InputError
        When several files match (e.g. ``sales.csv`` and ``sales.parquet``).
    """
    found = sorted(
        p for p in data_dir.iterdir()
        if (s := suffix_of(p)) is not None and p.name[: -len(s)].lower() == table
    )
    if len(found) > 1:
        listed = " and ".join(p.name for p in found)
        raise InputError([Problem(
            str(data_dir), None, None, None,
            f"has several {table} files ({listed}); keep only one of them")])
    if found:
        check_regular_file(found[0], found[0].name)
    return found[0] if found else None


def check_regular_file(path: Path, label: str) -> None:
    """Refuse a data file that is a folder, a broken link or not a regular file.

    An optional table whose file exists but cannot be read is an error, never a
    silently derived default.

    Raises
    ------
    InputError
        Naming the file and what it is instead.
    """
    if path.is_file():
        return
    if path.is_symlink() and not path.exists():
        target = path.readlink()
        raise _problem(label, f"is a link to {str(target)!r}, which does not exist; fix the "
                       "link or remove it")
    if path.is_dir():
        raise _problem(label, "is a folder, not a file; put the data file there or rename "
                       "the folder")
    if path.exists():
        raise _problem(label, "is not a regular file (a pipe, socket or device); save the "
                       "data as a file")


def read_table(data_dir: Path, tm: TableMapping, source: str) -> tuple[str, pd.DataFrame] | None:
    """Find and read the file of one table as its mapping says.

    Parameters
    ----------
    data_dir : Path
        The data folder.
    tm : TableMapping
        The table's mapping (``file`` relative to ``data_dir``, or None for
        ``<table>.<suffix>``).
    source : str
        The mapping's name, for messages.

    Returns
    -------
    (str, DataFrame) or None
        The file's name in messages and its raw frame; None when an optional table has
        no file, or seats are derived (products' ``derive`` only adds names from sales).

    Raises
    ------
    InputError
        When the file is missing (sales, or a file the mapping names) or unreadable.
    """
    if tm.derive is not None and tm.table == "seats":  # seats derived from sales, no file
        return None
    path: Path | None
    if tm.file is not None:
        path = data_dir / tm.file
        if not path.exists() and not path.is_symlink():
            raise _problem(tm.file, f"not found in {data_dir} (named in [{tm.table}] file of "
                           f"{source}); check the file name or the folder")
        check_regular_file(path, tm.file)
    else:
        path = find_table_file(data_dir, tm.table)
        if path is None and tm.table != "sales":
            return None
        if path is None:
            raise InputError([Problem(str(data_dir), None, None, None,
                                      f"has no sales file; expected one of "
                                      f"{expected_names('sales')}, or a mapping naming it")])
    label = tm.file or path.name
    return label, read_frame(path, label)


def read_frame(path: Path, label: str | None = None) -> pd.DataFrame:
    """Read one data file into a raw frame.

    Parameters
    ----------
    path : Path
        A ``.csv``, ``.csv.gz``, ``.parquet`` or ``.xlsx`` file.
    label : str, optional
        The file's name in messages (default: the file name).

    Returns
    -------
    DataFrame
        Raw columns as in the file; ``attrs["encoding"]`` is set when a CSV was not UTF-8.

    Raises
    ------
    InputError
        When the file cannot be read or has no data rows.
    """
    label = label or path.name
    suffix = suffix_of(path)
    try:
        if suffix in (".csv", ".csv.gz"):
            frame = _read_csv(path)
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix == ".xlsx":
            frame = pd.read_excel(path, sheet_name=0, dtype=str, engine="openpyxl")
        else:
            raise _problem(label, f"has an unsupported file type; use one of "
                           f"{', '.join(names.DATA_SUFFIXES)}")
    except InputError:
        raise
    except pd.errors.EmptyDataError as exc:
        raise _problem(label, "is empty; it needs a header row and at least one data row") \
            from exc
    except (PermissionError, FileNotFoundError, IsADirectoryError) as exc:
        reason = exc.strerror or type(exc).__name__
        raise _problem(label, f"cannot be opened ({reason}); check that the file can be "
                       "read (its permissions) and retry") from exc
    except Exception as exc:  # noqa: BLE001 - any reader failure is the user's file
        kind = {".parquet": "Parquet", ".xlsx": "an Excel .xlsx workbook"}.get(suffix or "", "CSV")
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _problem(label, f"cannot be read as {kind} ({reason}); save it again as "
                       f"{', '.join(names.DATA_SUFFIXES)} and retry") from exc
    if len(frame) == 0:
        raise _problem(label, "has no data rows; add rows below the header row")
    header = _header(path, suffix, frame)
    repeated = sorted({c for c in header if header.count(c) > 1}, key=header.index)
    if repeated:
        raise InputError([Problem(label, None, name, None, _repeated(name, header))
                          for name in repeated])
    frame.columns = header
    frame.index = pd.RangeIndex(len(frame))
    return frame


def _header(path: Path, suffix: str | None, frame: pd.DataFrame) -> list[str]:
    """Return the file's column names as written (surrounding spaces removed).

    pandas renames a repeated name (``amount``, ``amount.1``), so CSV and Excel headers
    are read again as a plain row.
    """
    names_read = list(frame.columns)
    row: list[object] = names_read
    try:
        if suffix in (".csv", ".csv.gz"):
            row = pd.read_csv(path, header=None, nrows=1, dtype=str, index_col=False,
                              encoding=frame.attrs.get("encoding", "utf-8-sig")).iloc[0].tolist()
        elif suffix == ".xlsx":
            workbook = openpyxl.load_workbook(path, read_only=True)
            try:
                row = list(next(workbook.worksheets[0].iter_rows(max_row=1, values_only=True)))
            finally:
                workbook.close()
    except Exception:  # noqa: BLE001 - pandas read the file: keep its names
        row = names_read
    while len(row) > len(names_read) and row[-1] is None:  # formatted empty cells
        row = row[:-1]
    if len(row) == len(names_read):  # an empty header cell keeps pandas' "Unnamed: 3"
        names_read = [c if pd.isna(w) else w for c, w in zip(names_read, row, strict=True)]
    return [str(c).strip() for c in names_read]


def _repeated(name: str, header: list[str]) -> str:
    places = [str(i + 1) for i, c in enumerate(header) if c == name]
    return (f"appears {len(places)} times in the header (columns {', '.join(places)}); keep "
            "one of them, or rename the others")


def _read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV as text: pyarrow first (fast), pandas' C parser for its messages."""
    opts = {"dtype": str, "keep_default_na": False, "na_values": [""]}
    try:
        return pd.read_csv(path, engine="pyarrow", **opts)
    except pd.errors.EmptyDataError:
        raise
    except Exception as exc:  # noqa: BLE001 - retried below (quoted newlines, encodings)
        first = exc
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return pd.read_csv(path, engine="c", index_col=False, **opts)
        except pd.errors.ParserWarning:  # a row longer than the header: pyarrow says which
            raise first from None
        except UnicodeDecodeError:
            frame = pd.read_csv(path, engine="c", index_col=False, encoding="latin-1", **opts)
            frame.attrs["encoding"] = "latin-1"
            return frame


def _problem(label: str, message: str) -> InputError:
    return InputError([Problem(label, None, None, None, message)])
