"""Range expressions of backend.ai run (--env-range, --build-range, --exec-range).

The number of cases is computed before any value is: more than 1000 (BACKEND_MAX_RUN_CASES) is
a usage error naming the count, at once, before anything is sent.
"""

from __future__ import annotations

import pytest

from ._helpers import bounded_time, invoke_cli

RUN = ["run", "-c", "print(1)", "python"]


def _usage_error(args: list[str]) -> str:
    with bounded_time(3):
        result = invoke_cli([*RUN[:-1], *args, RUN[-1]])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr
    return result.stderr


@pytest.mark.fault("usage error (exit 2) naming the count, in well under a second, nothing sent")
@pytest.mark.parametrize(
    ("args", "count"),
    [
        (["--env-range", "x=range:1000000000000"], "1000000000000 values"),
        (["--env-range", "x=range:-1000000000000,1000000000000,7"], "285714285715 values"),
        (["--exec-range", "x=linspace:0,1,1000000000000"], "1000000000000 values"),
        (["--build-range", "x=case:" + ",".join(str(i) for i in range(1001))], "1001 values"),
        (["--env-range", "a=range:900", "--exec-range", "b=range:900"], "810000 cases"),
        (["--env-range", "a=range:3000", "--env-range", "b=range:3000"], "3000 values"),
    ],
    ids=["range", "range-step", "linspace", "case", "product", "two-3000"],
)
def test_too_many_cases(args: list[str], count: str) -> None:
    """A range expression (or their product) yields an absurd number of cases."""
    stderr = _usage_error(args)
    assert count in stderr and "at most 1000" in stderr


@pytest.mark.fault("usage error (exit 2), not an OverflowError or a long int parse")
def test_integer_too_large() -> None:
    """A range bound has 60 digits."""
    stderr = _usage_error(["--env-range", "x=range:0," + "9" * 60])
    assert "too long" in stderr
