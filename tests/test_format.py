"""One number-format rule by unit (okrlib.presentation._format), checked value by value."""

from __future__ import annotations

import pytest

from okrlib.presentation import _format


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (2_190_000, "$", "$2.19M"),
        (2_656_000, None, "2,656,000"),  # not 2.656e+6
        (845_000, "$", "$845K"),
        (12_345, "€", "€12.3K"),
        (1_295.75, "$", "$1,296"),
        (0, "$", "$0"),
        (12.5, "$", "$12.50"),
        (-1_500_000, "$", "−$1.50M"),
        (2.38, "%", "2.4%"),
        (92, "%", "92.0%"),
        (3.24, "days", "3.24 days"),
        (1_187, "customers", "1,187 customers"),
        (0.08286, None, "0.0829"),  # three significant digits, not 0.08286
        (-0.5471, None, "−0.547"),
        (None, "$", "–"),
        (float("nan"), "%", "–"),
    ],
)
def test_values_in_their_unit(value, unit, shown) -> None:
    assert _format.value(value, unit) == shown


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (12_300, "$", "+$12.3K"),
        (-0.4, "%", "−0.4 pp"),  # a change of a percent is in points
        (-0.04, "%", "0.0 pp"),  # never -0.0
        (1.5, "days", "+1.5 days"),
        (0, None, "0"),
    ],
)
def test_changes_are_signed_in_their_unit(value, unit, shown) -> None:
    assert _format.change(value, unit) == shown


def test_shares_and_their_changes() -> None:
    assert _format.percent(0.655) == "65.5%" and _format.percent(0.6, 0) == "60%"
    assert _format.share_change(0.123) == "+12 pts"
    assert _format.share_change(-0.1) == "−10 pts"
    assert _format.share_change(-0.001) == "0 pts"
