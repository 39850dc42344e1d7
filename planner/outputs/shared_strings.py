"""A workbook's shared strings part, byte for byte what xlsxwriter writes, with fewer calls.

xlsxwriter writes each ``<si>`` through four regular expressions and three method calls
(control characters, the ``_xHHHH_`` escape, leading or trailing whitespace, XML
escapes); a team workbook holds some 300 distinct texts, and an organisation 400 team
workbooks. :class:`FastSharedStrings` writes a plain text (none of those cases: one
regular expression tells) as ``<si><t>text</t></si>`` and hands every other one to
xlsxwriter's own ``_write_si``.
"""

from __future__ import annotations

import re
from typing import Final

from xlsxwriter.sharedstrings import SharedStrings

#: What makes xlsxwriter write a text otherwise than ``<si><t>text</t></si>``: a control
#: character, a literal ``_xHHHH_``, a non-character, leading or trailing whitespace, or
#: an XML escape (``<`` also starts a rich string).
_SPECIAL: Final = re.compile(r"[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_|\A\s|\s\Z")


def plain_text(text: str) -> bool:
    r"""Whether xlsxwriter writes ``text`` as ``<si><t>text</t></si>``.

    Examples
    --------
    >>> plain_text("Total 2027"), plain_text(" x"), plain_text("R&D"), plain_text("a\x01")
    (True, False, False, False)
    """
    return _SPECIAL.search(text) is None


class FastSharedStrings(SharedStrings):
    """xlsxwriter's shared strings part, its plain texts written in one string (see module)."""

    def _write_sst_strings(self) -> None:
        parts: list[str] = []
        special = _SPECIAL.search
        for text in self.string_table.string_array:  # type: ignore[attr-defined]
            if special(text) is None:
                parts.append(f"<si><t>{text}</t></si>")
            else:
                self.fh.write("".join(parts))
                parts = []
                self._write_si(text)
        self.fh.write("".join(parts))
