"""okrlib's Student t (whole degrees of freedom) against scipy's, and its invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special

from okrlib import _student_t

DEGREES = np.r_[np.arange(1, 61), 75, 100, 150, 301, 1000]


def test_cdf_is_scipys() -> None:
    t = np.r_[np.linspace(-40, 40, 401), 0.0, 1e-300, -1e-12, np.inf, -np.inf]
    v, t = np.meshgrid(DEGREES, t)
    np.testing.assert_allclose(_student_t.cdf(t, v), special.stdtr(v, t), rtol=0, atol=1e-12)


@pytest.mark.parametrize(("low", "tolerance"), [(1e-4, 5e-12), (1e-6, 1e-10)])
def test_quantile_is_scipys(low: float, tolerance: float) -> None:
    p = np.r_[low, np.geomspace(low, 0.5, 12)[1:-1], 0.4, 0.5, 0.6, 0.75, 0.9, 0.95, 0.99, 1 - low]
    v, p = np.meshgrid(DEGREES, p)
    expected = special.stdtrit(v, p)
    got = _student_t.quantile(p, v)
    assert np.max(np.abs(got - expected) / np.maximum(np.abs(expected), 1)) <= tolerance


def test_ends_and_missing_values() -> None:
    assert _student_t.quantile(0.0, 5) == -np.inf and _student_t.quantile(1.0, 5) == np.inf
    assert _student_t.quantile(0.5, [1, 2, 9]).tolist() == [0.0, 0.0, 0.0]
    assert np.isnan(_student_t.quantile(np.nan, 3)) and np.isnan(_student_t.quantile(0.9, np.nan))
    assert np.isnan(_student_t.cdf(np.nan, 3)) and np.isnan(_student_t.cdf(1.0, np.nan))


@pytest.mark.parametrize("df", [0, -1, 2.5])
def test_degrees_of_freedom_must_be_whole_and_positive(df: float) -> None:
    with pytest.raises(ValueError, match="whole numbers of at least 1"):
        _student_t.cdf(1.0, df)


@given(
    st.floats(min_value=1e-4, max_value=1 - 1e-4),
    st.integers(min_value=1, max_value=400),
)
def test_cdf_undoes_quantile(p: float, df: int) -> None:
    assert float(_student_t.cdf(_student_t.quantile(p, df), df)) == pytest.approx(p, abs=1e-12)


@given(st.floats(min_value=-1e6, max_value=1e6), st.integers(min_value=1, max_value=400))
def test_cdf_is_symmetric_and_increasing(t: float, df: int) -> None:
    below, above = _student_t.cdf([-abs(t), abs(t)], df)
    assert below + above == pytest.approx(1.0, abs=1e-12)
    assert below <= 0.5 <= above
