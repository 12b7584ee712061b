"""The governance efficacy questionnaire of seed 002 (大足区多元主体参与社区网格化治理效能评价):
four dimensions and their indicators, stored as data, with Dazu district's published means
(951 valid questionnaires; overall weighted score 3.803 of 5) as the reference a round is read
against. Texts are message ids (catalog `assessment.po`).

Seed 002 names the indicators with their means: government management 3.98 (Party leadership
4.04, staff capacity 3.97, digital tools 3.96; "government departments taking part" is named as
the only indicator above 4 without its figure), multi-party participation 3.87 (property
companies and third-party organisations 3.84, residents 3.89, information sharing 3.88),
institutions 3.77 (grid division 3.78, matter admission 3.80, assessment 3.72, co-building 3.74),
resources about 3.56 (infrastructure 3.61, funding 3.51).
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.i18n import N_


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str  # message id
    dazu: float | None  # seed 002's mean for Dazu district, None where the paper gives none


@dataclass(frozen=True)
class Dimension:
    code: str
    name: str  # message id
    dazu: float
    indicators: tuple[Indicator, ...]


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        "government",
        N_("Government management"),
        3.98,
        (
            Indicator("party_lead", N_("Party leadership of grid work"), 4.04),
            Indicator("staff_skill", N_("Skills of grid workers and community staff"), 3.97),
            Indicator("digital_tools", N_("Digital tools for reports and services"), 3.96),
            Indicator("departments", N_("Government departments taking part"), None),
        ),
    ),
    Dimension(
        "participation",
        N_("Multi-party participation"),
        3.87,
        (
            Indicator(
                "property", N_("Property companies and social organisations taking part"), 3.84
            ),
            Indicator("residents", N_("Residents taking part"), 3.89),
            Indicator("info_sharing", N_("Information shared between all parties"), 3.88),
        ),
    ),
    Dimension(
        "institutions",
        N_("Institutions and mechanisms"),
        3.77,
        (
            Indicator("grid_division", N_("How the grids are divided"), 3.78),
            Indicator(
                "matter_admission", N_("Clear rules on which matters the grid takes on"), 3.80
            ),
            Indicator("evaluation", N_("Assessment and evaluation of the work"), 3.72),
            Indicator("co_building", N_("Co-building with the units in the area"), 3.74),
        ),
    ),
    Dimension(
        "resources",
        N_("Resources"),
        3.56,
        (
            Indicator("facilities", N_("Infrastructure and facilities"), 3.61),
            Indicator("funding", N_("Funding"), 3.51),
        ),
    ),
)
DAZU_TOTAL = 3.803
DAZU_RESPONSES = 951
DIMENSION_BY_CODE = {d.code: d for d in DIMENSIONS}
INDICATORS: tuple[Indicator, ...] = tuple(i for d in DIMENSIONS for i in d.indicators)
INDICATOR_BY_CODE = {i.code: i for i in INDICATORS}
DIMENSION_OF = {i.code: d.code for d in DIMENSIONS for i in d.indicators}
LEVELS = ("dimensions", *DIMENSION_BY_CODE)  # the matrices: between dimensions, within each


def items_of(level: str) -> tuple[str, ...]:
    """The codes a matrix of this level compares, in order."""
    if level == "dimensions":
        return tuple(d.code for d in DIMENSIONS)
    return tuple(i.code for i in DIMENSION_BY_CODE[level].indicators)


def label_of(code: str) -> str:
    """The message id naming a dimension or an indicator."""
    found = DIMENSION_BY_CODE.get(code) or INDICATOR_BY_CODE.get(code)
    return found.name if found else code
