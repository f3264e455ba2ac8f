"""Range expressions of ``backend.ai run``: every example the 22.03 client documents."""

from __future__ import annotations

from decimal import Decimal

import click
import pytest

from ai_backend_client.cli._ranges import (
    RangeExprError,
    RangeExprType,
    RunCase,
    expand_cases,
    parse_range_expr,
)


def texts(expr: str) -> list[str]:
    return [str(v) for v in parse_range_expr(expr)[1]]


def test_case_splits_on_commas_without_trimming() -> None:
    assert parse_range_expr("x=case:A,B,C") == ("x", ["A", "B", "C"])
    assert texts("x=case:a,b,,c") == ["a", "b", "", "c"]
    assert texts("x=case: a ,b") == [" a ", "b"]


def test_name_splits_on_first_equals() -> None:
    assert parse_range_expr("x=case:a=1,b=2") == ("x", ["a=1", "b=2"])


def test_linspace_keeps_decimal_text() -> None:
    name, values = parse_range_expr("lr=linspace:1,2,3")
    assert name == "lr"
    assert all(isinstance(v, Decimal) for v in values)
    assert [str(v) for v in values] == ["1.0", "1.5", "2.0"]
    assert texts("x=linspace:0,1,5") == ["0.00", "0.25", "0.50", "0.75", "1.00"]


def test_linspace_num_one_is_an_error() -> None:
    with pytest.raises(RangeExprError, match="NUM >= 2"):
        parse_range_expr("x=linspace:1,2,1")


def test_range_is_python_range() -> None:
    assert parse_range_expr("x=range:1,6,2") == ("x", [1, 3, 5])
    assert parse_range_expr("x=range:3") == ("x", [0, 1, 2])
    assert parse_range_expr("x=range:1,3") == ("x", [1, 2])
    assert parse_range_expr("x=range:5,1,-2") == ("x", [5, 3])


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("x=foo:1,2", "Unrecognized range expression type"),
        ("x=1,2,3", "Unrecognized range expression type"),
        ("novalue", "NAME=EXPR"),
        ("1x=case:a", "invalid variable name"),
        ("x-y=case:a", "invalid variable name"),
        ("x=range:a,b", "invalid integer 'a'"),
        ("x=range:1,2,0", "must not be zero"),
        ("x=range:1,2,3,4", "one to three"),
        ("x=linspace:a,1,3", "invalid number 'a'"),
        ("x=linspace:1,2", "exactly three"),
        ("x=linspace:1,2,x", "invalid integer 'x'"),
    ],
)
def test_bad_expressions(expr: str, message: str) -> None:
    with pytest.raises(RangeExprError, match=message):
        parse_range_expr(expr)


def test_click_type_reports_a_usage_error() -> None:
    t = RangeExprType()
    assert t.convert("x=range:2", None, None) == ("x", [0, 1])
    with pytest.raises(click.BadParameter, match="Unrecognized range expression type"):
        t.convert("x=bogus:1", None, None)


def test_no_ranges_is_one_default_case() -> None:
    assert expand_cases({}, None, None) == [RunCase((), "*", "*")]
    # Without ranges of their kind, templates are left as typed.
    (case,) = expand_cases({"P": "$HOME"}, "make $T", "echo $HOME")
    assert case.env_dict == {"P": "$HOME"} and case.build == "make $T" and case.exec == "echo $HOME"


def test_env_range_creates_one_case_per_value() -> None:
    cases = expand_cases(
        {"LR": "$lr", "FIXED": "1"},
        None,
        "python train.py",
        env_ranges=[parse_range_expr("lr=linspace:0.1,0.3,3")],
    )
    assert [c.env_dict for c in cases] == [
        {"LR": "0.1", "FIXED": "1"},
        {"LR": "0.2", "FIXED": "1"},
        {"LR": "0.3", "FIXED": "1"},
    ]
    assert {c.exec for c in cases} == {"python train.py"}
    assert cases[0].variables == (("lr", "0.1"),)


def test_cartesian_product_in_option_order() -> None:
    cases = expand_cases(
        {"A": "$a", "B": "${b}"},
        "make $t",
        "run $n",
        env_ranges=[parse_range_expr("a=case:x,y"), parse_range_expr("b=range:2")],
        build_ranges=[parse_range_expr("t=case:debug,release")],
        exec_ranges=[parse_range_expr("n=range:1,3")],
    )
    assert len(cases) == 2 * 2 * 2 * 2
    first = [(c.env_dict["A"], c.env_dict["B"], c.build, c.exec) for c in cases[:4]]
    assert first == [
        ("x", "0", "make debug", "run 1"),
        ("x", "0", "make debug", "run 2"),
        ("x", "0", "make release", "run 1"),
        ("x", "0", "make release", "run 2"),
    ]
    assert (cases[-1].env_dict, cases[-1].build, cases[-1].exec) == (
        {"A": "y", "B": "1"},
        "make release",
        "run 2",
    )


def test_unreferenced_ranges_collapse_to_one_case() -> None:
    # The catalogue's wire capture: --exec 'python a.py' --exec-range x=range:1,3,1 --env-range Y=case:a,b
    cases = expand_cases(
        {},
        None,
        "python a.py",
        env_ranges=[parse_range_expr("Y=case:a,b")],
        exec_ranges=[parse_range_expr("x=range:1,3,1")],
    )
    assert cases == [RunCase((), "*", "python a.py", (("Y", "a"), ("x", "1")))]


def test_duplicates_keep_first_order() -> None:
    cases = expand_cases({"V": "$v"}, None, None, env_ranges=[parse_range_expr("v=case:b,a,b")])
    assert [c.env_dict["V"] for c in cases] == ["b", "a"]


def test_missing_variables_fail() -> None:
    with pytest.raises(RangeExprError, match=r"\$y"):
        expand_cases({}, None, "run $y", exec_ranges=[parse_range_expr("x=range:2")])
    with pytest.raises(RangeExprError, match=r"-e E"):
        expand_cases({"E": "$nope"}, None, None, env_ranges=[parse_range_expr("x=range:2")])
