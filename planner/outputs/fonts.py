"""A Simplified Chinese font for the charts, from the ``pylopdf-fonts-zh-cn`` package.

The machines have no CJK system fonts, so team and product names in Chinese would
render as empty boxes. The package ships Noto Sans SC (OFL-1.1) as a plain file;
it is registered with matplotlib's font manager and used as a fallback after
DejaVu Sans (matplotlib >= 3.6 falls back glyph by glyph through ``font.family``).
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path
from typing import Final

from matplotlib import font_manager

FONT_PACKAGE: Final = "pylopdf_fonts_zh_cn"
LATIN_FAMILY: Final = "DejaVu Sans"


def cjk_font_path() -> Path | None:
    """Path of the bundled Noto Sans SC file, or None when the package is missing."""
    try:
        module = importlib.import_module(FONT_PACKAGE)
    except ImportError:
        return None
    path = Path(module.sans_path())
    return path if path.is_file() else None


@functools.cache
def font_families() -> tuple[str, ...]:
    """Return the ``font.family`` list for charts (register the CJK font on first use).

    Returns
    -------
    tuple of str
        ``("DejaVu Sans", "Noto Sans SC")``, or ``("DejaVu Sans",)`` when the font
        package is not installed (Chinese text then renders as boxes, with
        matplotlib's "Glyph ... missing" warning).
    """
    path = cjk_font_path()
    if path is None:
        return (LATIN_FAMILY,)
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    return (LATIN_FAMILY, name)
