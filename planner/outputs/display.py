"""How products and teams are labelled in workbooks and charts: ``"code name"``.

Products (from the products file's ``name`` column) and teams (from the mapping) may
carry a display name besides their code. Every workbook and chart labels them through
:class:`Display`, the one place that decides the text: the code, then the name when
there is one that differs from the code. The text is data, so it is written with the
safe cell writer (:func:`planner.outputs.cells.put_text`): never a formula.

Examples
--------
>>> code_name("22086", "PAPER CHAIN KIT 50'S CHRISTMAS")
"22086 PAPER CHAIN KIT 50'S CHRISTMAS"
>>> code_name("TRUST_A", "TRUST_A"), code_name("T01", None), code_name("T01", "  ")
('TRUST_A', 'T01', 'T01')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from planner import names as n
from planner.plan_result import PlanResult


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    try:
        if bool(pd.isna(value)):  # type: ignore[arg-type]
            return True
    except (TypeError, ValueError):
        pass
    return not str(value).strip()


def code_name(code: object, name: object = None) -> str:
    """``"code name"``, or the code alone when the name is blank or the same as the code."""
    text = "" if _is_blank(code) else str(code)
    if _is_blank(name) or str(name).strip() == text:
        return text
    return f"{text} {str(name).strip()}".strip()


@dataclass(frozen=True)
class Display:
    """Display names of a plan's products and teams, by code.

    Attributes
    ----------
    products, teams : dict of str to str
        Display name per code (codes without one are shown alone).
    """

    products: Mapping[str, str] = field(default_factory=dict)
    teams: Mapping[str, str] = field(default_factory=dict)
    #: Labels made so far, by product code (every team workbook shows the same ones).
    _shown: dict[object, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, result: PlanResult) -> Display:
        """The names a plan result carries (``products.name``, ``team_names``)."""
        products: dict[str, str] = {}
        frame = result.products
        if n.NAME in frame.columns:
            products = {str(code): str(name) for code, name in
                        zip(frame[n.PRODUCT], frame[n.NAME], strict=True) if not _is_blank(name)}
        teams = {str(code): str(name) for code, name in (result.team_names or {}).items()
                 if not _is_blank(name)}
        return cls(products, teams)

    def product(self, code: object) -> str:
        """A product's label (remembered by code)."""
        if type(code) is str:
            label = self._shown.get(code)
            if label is None:
                label = self._shown[code] = code_name(code, self.products.get(code))
            return label
        return code_name(code, self.products.get(str(code)))

    def team(self, code: object) -> str:
        """A team's label."""
        return code_name(code, self.teams.get(str(code)))

    def product_labels(self, codes: Iterable[object]) -> list[str]:
        """Labels of several products, in order."""
        return [self.product(code) for code in codes]

    def team_labels(self, codes: Iterable[object]) -> list[str]:
        """Labels of several teams, in order."""
        return [self.team(code) for code in codes]
