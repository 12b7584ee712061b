"""The analytic hierarchy process (层次分析法, Saaty): weights from a pairwise-comparison matrix.

Pure functions, no database. A matrix `a` compares n items: a[i][j] says how much more important
item i is than item j on Saaty's 1–9 scale (1 equal, 3 moderately, 5 strongly, 7 very strongly,
9 extremely; 2, 4, 6, 8 between; 1/3 … 1/9 the other way round). It must be reciprocal: positive,
a[j][i] = 1 / a[i][j], ones on the diagonal.

- weights: the principal right eigenvector of a (numpy), scaled to sum to 1;
- λmax: its eigenvalue; consistency index CI = (λmax − n) / (n − 1);
- consistency ratio CR = CI / RI, RI Saaty's random index for n (RI = 0 for n ≤ 2: a matrix of
  one or two items is always consistent, CR = 0);
- a matrix with CR ≥ 0.1 (Saaty's limit) is refused with a translated message: the judgements
  contradict each other too much, they need revising.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from portal.errors import UserError
from portal.i18n import N_

CR_LIMIT = 0.1
# Saaty's random consistency index RI by matrix size (Saaty 1980, The Analytic Hierarchy Process).
RANDOM_INDEX = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
}
SCALE = tuple(Fraction(1, k) for k in range(9, 1, -1)) + tuple(Fraction(k) for k in range(1, 10))
TOLERANCE = 1e-6

INCONSISTENT = N_(
    "These comparisons contradict each other too much (consistency ratio {cr}, it must stay "
    "below 0.10). Please revise the judgements that disagree most and save again."
)
NOT_RECIPROCAL = N_(
    "Each comparison must be the inverse of its mirror (if A is 3 times as important as B, B is "
    "1/3 of A), with 1 on the diagonal."
)
OFF_SCALE = N_("Use Saaty's scale only: 1 to 9 or 1/2 to 1/9.")
BAD_SIZE = N_("The matrix must be square, with at most 10 items.")


@dataclass(frozen=True)
class Result:
    weights: tuple[float, ...]
    lambda_max: float
    ci: float
    ri: float
    cr: float

    @property
    def consistent(self) -> bool:
        return self.cr < CR_LIMIT


def on_scale(value: float) -> bool:
    return any(abs(value - float(s)) < TOLERANCE for s in SCALE)


def check_matrix(matrix: Sequence[Sequence[float]]) -> np.ndarray:
    """The matrix as floats, or UserError: not square (≤ 10), off Saaty's scale, not reciprocal."""
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0] if a.ndim == 2 else 0
    if a.ndim != 2 or a.shape != (n, n) or not 1 <= n <= max(RANDOM_INDEX):
        raise UserError(BAD_SIZE)
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise UserError(OFF_SCALE)
    if not all(on_scale(v) for v in a.flat):
        raise UserError(OFF_SCALE)
    if not np.allclose(np.diag(a), 1.0) or not np.allclose(a * a.T, 1.0, atol=1e-3):
        raise UserError(NOT_RECIPROCAL)
    return a


def analyse(matrix: Sequence[Sequence[float]]) -> Result:
    """Weights, λmax, CI, RI and CR of a valid reciprocal matrix (not refused when inconsistent)."""
    a = check_matrix(matrix)
    n = a.shape[0]
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    lam = float(values[k].real)
    vector = np.abs(vectors[:, k].real)
    weights = vector / vector.sum()
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    ri = RANDOM_INDEX[n]
    cr = ci / ri if ri else 0.0
    return Result(tuple(float(w) for w in weights), lam, ci, ri, max(cr, 0.0))


def accepted(matrix: Sequence[Sequence[float]]) -> Result:
    """analyse(), refusing (translated) a matrix whose consistency ratio is 0.1 or more."""
    result = analyse(matrix)
    if not result.consistent:
        raise UserError(INCONSISTENT, field="matrix", cr=f"{result.cr:.3f}")
    return result


def from_pairs(n: int, pairs: Mapping[tuple[int, int], float]) -> list[list[float]]:
    """The full reciprocal matrix from the judgements above the diagonal ((i, j) with i < j);
    a missing pair counts as equal (1)."""
    a = [[1.0] * n for _ in range(n)]
    for (i, j), value in pairs.items():
        if not (0 <= i < j < n):
            raise UserError(BAD_SIZE)
        a[i][j], a[j][i] = float(value), 1.0 / float(value)
    return a


def upper_pairs(matrix: Sequence[Sequence[float]]) -> dict[tuple[int, int], float]:
    n = len(matrix)
    return {(i, j): float(matrix[i][j]) for i in range(n) for j in range(i + 1, n)}


def scale_label(value: float) -> str:
    """A judgement as people write it: 3, 1/5."""
    frac = Fraction(value).limit_denominator(9)
    return str(frac.numerator) if frac.denominator == 1 else f"1/{frac.denominator}"
