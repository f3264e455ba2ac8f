"""Human tables read resource slots, sizes and times as a person would; JSON keeps raw values."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import respx
from click.testing import CliRunner

from ai_backend_client.cli._output import format_bytes, format_slots, format_time, format_value
from ai_backend_client.cli.main import cli

EP = "http://127.0.0.1:8091"
GIB16 = str(16 * 1024**3)


@pytest.fixture
def tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC+9 (no DST) for the test, then back."""
    monkeypatch.setenv("TZ", "Asia/Seoul")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("slots", "text"),
    [
        ({"cpu": "8", "mem": GIB16}, "cpu 8 · mem 16 GiB"),
        # cpu and mem first, the others by name; accelerator memory is a size too.
        (
            {"cuda.shares": "0.5", "mem": "1610612736", "cpu": "2.000", "cuda.mem": "4294967296"},
            "cpu 2 · mem 1.5 GiB · cuda.mem 4 GiB · cuda.shares 0.5",
        ),
        ({"cpu": 4, "cuda.device": 1, "rocm.device": "2"}, "cpu 4 · cuda.device 1 · rocm.device 2"),
        ('{"cpu": "8", "mem": "Infinity"}', "cpu 8 · mem ∞"),  # the JSON text some servers send
        ({}, "-"),
        ("not json", "not json"),
        (["odd"], "odd"),
    ],
)
def test_format_slots(slots: Any, text: str) -> None:
    assert format_slots(slots) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0 B"),
        (512, "512 B"),
        (1024, "1 KiB"),
        ("1610612736", "1.5 GiB"),
        (123456789, "117.7 MiB"),
        (3 * 1024**5, "3 PiB"),
        (-2048, "-2 KiB"),
        ("n/a", "n/a"),
    ],
)
def test_format_bytes(value: Any, text: str) -> None:
    assert format_bytes(value) == text


def test_format_time_is_local(tz: None) -> None:
    assert format_time("2026-12-01T13:41:47.123456+00:00") == "2026-12-01 22:41:47 KST"
    assert format_time("2026-12-01T13:41:47Z") == "2026-12-01 22:41:47 KST"
    assert format_time("2026-12-01T13:41:47") == "2026-12-01 22:41:47 KST"  # no zone: UTC
    assert format_time("yesterday") == "yesterday"


def test_format_value_picks_the_reading_by_column(tz: None) -> None:
    assert format_value({"cpu": "1"}, "occupied_slots") == "cpu 1"
    assert format_value(2048, "size_bytes") == "2 KiB"
    assert format_value(2048, "size") == "2 KiB"
    assert format_value(4, "cluster_size") == "4"  # a count, not bytes
    assert format_value("2026-01-01T00:00:00+00:00", "created_at") == "2026-01-01 09:00:00 KST"
    assert format_value({"cpu": "1"}) == "cpu: 1"  # no slots column: a plain mapping
    assert format_value(["cr.backend.ai", "index.docker.io"]) == "cr.backend.ai, index.docker.io"
    assert format_value({"local:volume1": ["mount-in-session", "upload-file"]}) == (
        "local:volume1: mount-in-session, upload-file"
    )
    assert format_value([]) == "-" and format_value({}) == "-"
    assert format_value({"a": {"b": 1}}) == '{"a":{"b":1}}'  # deeper: compact JSON
    assert format_value([{"a": 1}]) == '[{"a":1}]'
    assert format_value(None, "occupied_slots") == "-"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_ENDPOINT", EP)
    monkeypatch.setenv("BACKEND_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("BACKEND_SECRET_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


@respx.mock
def test_agent_table_shows_slots_and_json_stays_raw(env: None, tz: None) -> None:
    respx.get(f"{EP}/").respond(json={"version": "v8.20240915", "manager": "24.09.6"})
    slots = json.dumps({"cpu": "8", "mem": GIB16, "cuda.shares": "4"})
    agent = {
        "id": "i-1",
        "status": "ALIVE",
        "available_slots": slots,
        "occupied_slots": json.dumps({"cpu": "2", "mem": str(2 * 1024**3)}),
        "first_contact": "2026-12-01T00:00:00+00:00",
    }
    respx.post(f"{EP}/admin/gql").respond(
        json={"data": {"agent_list": {"items": [agent], "total_count": 1}}}
    )
    result = CliRunner().invoke(cli, ["admin", "agent", "list"])
    assert result.exit_code == 0, result.output
    assert "cpu 8 · mem 16 GiB · cuda.shares 4" in result.stdout
    assert "cpu 2 · mem 2 GiB" in result.stdout
    assert "17179869184" not in result.stdout

    result = CliRunner().invoke(cli, ["--output", "json", "admin", "agent", "list"])
    item = json.loads(result.stdout)["items"][0]
    assert item["available_slots"] == {"cpu": "8", "mem": GIB16, "cuda.shares": "4"}


@pytest.mark.parametrize("name", ["a[/]b", "[red]x", "smile :smile:"])
def test_table_cells_are_shown_as_they_are(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A name that looks like rich markup is text: it neither raises MarkupError nor styles."""
    from ai_backend_client.cli._output import print_table

    monkeypatch.setenv("FORCE_COLOR", "1")  # colour on: markup would show as escape codes
    print_table([{"name": name}], ["name"])
    out = capsys.readouterr().out
    assert name in out
    assert "\x1b[31" not in out and "😄" not in out


def test_progress_bar_shows_markup_like_file_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each file's bar is labelled with its name; rich markup in it is not interpreted."""
    import io
    import sys

    import click

    from ai_backend_client.cli._output import CLIContext
    from ai_backend_client.cli._transfers import progress_bars

    class TTY(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = TTY()
    monkeypatch.setattr(sys, "stderr", err)
    with click.Context(click.Command("x"), obj=CLIContext()) as ctx, ctx.scope():
        with progress_bars(20, "up") as report:
            assert report is not None
            report(5, 10, "a[/]b.txt")
            report(5, 10, "[red]c.txt")
    assert "a[/]b.txt" in err.getvalue() and "[red]c.txt" in err.getvalue()
