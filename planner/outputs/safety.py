"""Keep user data inert in the outputs: text cells, header/footer text, file names.

Team and product names come from the user's files, so they may look like formulas
(``=HYPERLINK(...)``, ``@SUM(A1)``), contain path separators or control
characters, or be reserved Windows device names. Workbook cells always receive
them through ``write_string`` (a shared string, shown literally by Excel and
LibreOffice; never ``write()``, which turns ``=...`` into a formula); this module
provides the text clean-up around that.

Examples
--------
>>> taken: set[str] = set()
>>> safe_file_stem("../etc/passwd", taken), safe_file_stem("CON", taken)
('_etc_passwd', 'CON_')
>>> safe_file_stem("Sales", taken), safe_file_stem("sales", taken)
('Sales', 'sales-2')
>>> header_text("R&D")
'R&&D'
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Final

MAX_STEM: Final = 80
MAX_CELL_TEXT: Final = 32_767  # Excel's limit on a cell's text
MAX_HEADER_PART: Final = 60  # header/footer text per section (Excel allows 255 in all)
DEFAULT_STEM: Final = "team"
FORMULA_PREFIXES: Final = ("=", "+", "-", "@")
#: Starts of a CSV text cell that ``--csv-safe`` escapes (a tab or carriage return
#: before a formula also makes Excel evaluate it).
CSV_ESCAPE_PREFIXES: Final = (*FORMULA_PREFIXES, "\t", "\r")
CSV_ESCAPE: Final = "'"
_RESERVED: Final = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$"}
    | {f"COM{i}" for i in "123456789¹²³"}
    | {f"LPT{i}" for i in "123456789¹²³"}
)
_UNSAFE_CHARS: Final = re.compile(r'[<>:"/\\|?*]')
_DROP_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_SPACES: Final = re.compile(r"\s+")
_DOTS: Final = re.compile(r"\.{2,}")


def _visible(text: str) -> str:
    """Drop control, format (e.g. bidi overrides), surrogate and unassigned characters."""
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in _DROP_CATEGORIES:
            if ch in "\t\n\r":
                kept.append(" ")
            continue
        kept.append(ch)
    return "".join(kept)


def _strip_ends(stem: str) -> str:
    return stem.strip(" .")


def _clean_stem(name: str) -> str:
    stem = unicodedata.normalize("NFC", str(name))
    stem = _UNSAFE_CHARS.sub("_", _visible(stem))
    stem = _DOTS.sub(".", _SPACES.sub(" ", stem))
    stem = _strip_ends(stem)
    if stem.split(".", 1)[0].rstrip(" ").upper() in _RESERVED:
        head, dot, tail = stem.partition(".")
        stem = f"{head.rstrip(' ')}_{dot}{tail}"
    stem = _strip_ends(stem[:MAX_STEM])
    return stem or DEFAULT_STEM


def safe_file_stem(name: str, taken: set[str]) -> str:
    r"""Return a safe, unique file name stem for ``name`` and record it in ``taken``.

    Path separators and characters Windows forbids (``<>:"/\|?*``) become ``_``;
    control and invisible format characters are dropped; runs of whitespace become
    one space and runs of dots one dot; leading and trailing dots and spaces are
    removed; reserved Windows device names (``CON``, ``PRN``, ``AUX``, ``NUL``,
    ``COM1``.., ``LPT1``..) get a ``_`` appended; the stem is cut to
    :data:`MAX_STEM` characters. Letters of any script (Chinese included) are kept.
    An empty result becomes ``"team"``. A stem already in ``taken`` (compared
    case-insensitively, as on Windows and macOS) gets ``-2``, ``-3``, ... appended.

    Parameters
    ----------
    name : str
        The name as the user wrote it.
    taken : set of str
        Stems already used in the target directory; the returned stem is added.

    Returns
    -------
    str
        The stem, without extension.
    """
    stem = _clean_stem(name)
    used = {t.casefold() for t in taken}
    candidate, number = stem, 1
    while candidate.casefold() in used:
        number += 1
        suffix = f"-{number}"
        candidate = _strip_ends(stem[: MAX_STEM - len(suffix)]) + suffix
    taken.add(candidate)
    return candidate


def cell_text(value: object) -> str:
    """Return ``value`` as text that fits in a cell (cut to Excel's 32,767 characters).

    The result must be written with ``write_string`` (so it stays text whatever
    it starts with); xlsxwriter escapes control characters itself.
    """
    if type(value) is str:  # the common case first
        return value if len(value) <= MAX_CELL_TEXT else value[:MAX_CELL_TEXT]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)[:MAX_CELL_TEXT]


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula if typed in.

    Examples
    --------
    >>> looks_like_formula("@SUM(A1)"), looks_like_formula("Sales")
    (True, False)
    """
    return text.startswith(FORMULA_PREFIXES)


def csv_safe_text(value: object) -> object:
    """Escape text a spreadsheet would run as a formula with a leading apostrophe.

    Only text is changed (numbers, negative ones included, stay numbers); this is
    what ``--csv-safe`` applies to every text cell and header of a CSV output.

    Examples
    --------
    >>> csv_safe_text("=HYPERLINK(1)"), csv_safe_text("-x"), csv_safe_text(-5.0)
    ("'=HYPERLINK(1)", "'-x", -5.0)
    >>> csv_safe_text("Sales")
    'Sales'
    """
    if isinstance(value, str) and value.startswith(CSV_ESCAPE_PREFIXES):
        return CSV_ESCAPE + value
    return value


def header_text(value: object, limit: int = MAX_HEADER_PART) -> str:
    """Return ``value`` as literal text for a page header or footer.

    ``&`` starts a control code there (``&P`` is the page number), so it is
    doubled; control characters are dropped and the text is cut to ``limit``
    characters (Excel allows 255 for the whole header).
    """
    text = _SPACES.sub(" ", _visible(cell_text(value))).strip()[:limit]
    return text.replace("&", "&&")


def chart_text(value: object, limit: int = 40) -> str:
    r"""Return ``value`` as literal text for a matplotlib label.

    ``$`` would start mathtext, so it is escaped; control characters are dropped
    and long names are cut to ``limit`` characters with an ellipsis.

    Examples
    --------
    >>> chart_text("$5 team"), chart_text("x" * 50, limit=5)
    ('\\$5 team', 'xxxx…')
    """
    text = _SPACES.sub(" ", _visible(cell_text(value))).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("$", r"\$")
