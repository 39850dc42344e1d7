"""The ``.xlsx`` container of a workbook written in memory, at a faster compression level.

xlsxwriter deflates every part at zlib's default level (6). The team workbooks' parts
are plain XML that level 1 compresses in about half the time, to files some 15% larger:
:class:`FastPackageMixin` lets xlsxwriter make every part as it would, then puts them in
the zip file itself (``zipfile``), in the same order, with the same names and
timestamps, at :data:`COMPRESS_LEVEL`. Only the deflated bytes differ; the parts are
xlsxwriter's (the shared strings written faster, :mod:`planner.outputs.shared_strings`).
Workbooks written through temporary files (not ``in_memory``) are left to xlsxwriter.
"""

from __future__ import annotations

import io
from typing import Any, Final
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from xlsxwriter.packager import Packager

from planner.outputs.shared_strings import FastSharedStrings

#: zlib level of the parts (1: fastest).
COMPRESS_LEVEL: Final = 1
#: The timestamp xlsxwriter gives every part written in memory (Excel's own).
PART_TIME: Final = (1980, 1, 1, 0, 0, 0)


class _KeepingPackager(Packager):
    """A packager that hands its parts to ``keep`` instead of to xlsxwriter's zip file.

    Its shared strings part is written by :class:`FastSharedStrings` (the same bytes).
    """

    keep: list[Any]
    workbook: Any

    def _create_package(self) -> list[Any]:
        self.keep.extend(super()._create_package())
        return []

    def _write_shared_strings_file(self) -> None:
        if not self.workbook.str_table.count:
            return
        sst = FastSharedStrings()
        sst.string_table = self.workbook.str_table
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()


def write_parts(target: Any, parts: list[Any], allow_zip64: bool) -> None:
    """Write xlsxwriter's in-memory parts ``(data, name, is_binary)`` as a zip file.

    Parameters
    ----------
    target : str or file-like
        The workbook's file name or stream.
    parts : list
        The parts, in xlsxwriter's order.
    allow_zip64 : bool
        As the workbook's ``use_zip64()``.
    """
    with ZipFile(target, "w", compression=ZIP_DEFLATED, allowZip64=allow_zip64) as package:
        for data, name, is_binary in parts:
            info = ZipInfo(name, PART_TIME)
            info.compress_type = ZIP_DEFLATED
            content = data.getvalue()
            package.writestr(info, content if is_binary else content.encode("utf-8"),
                             compresslevel=COMPRESS_LEVEL)


class FastPackageMixin:
    """For an xlsxwriter ``Workbook``: write the zip file at :data:`COMPRESS_LEVEL`."""

    filename: Any
    in_memory: bool
    allow_zip64: bool
    _kept_parts: list[Any] | None = None

    def _get_packager(self) -> Packager:
        if self._kept_parts is None:
            return super()._get_packager()  # type: ignore[misc,no-any-return]
        packager = _KeepingPackager()
        packager.keep = self._kept_parts
        return packager

    def _store_workbook(self) -> None:
        if not self.in_memory:
            super()._store_workbook()  # type: ignore[misc]
            return
        target = self.filename
        parts: list[Any] = []
        self.filename, self._kept_parts = io.BytesIO(), parts  # xlsxwriter's zip: empty
        try:
            super()._store_workbook()  # type: ignore[misc]
        finally:
            self.filename, self._kept_parts = target, None
        write_parts(target, parts, self.allow_zip64)
