"""``backend.ai image`` against the real servers. The local stacks have one registered image
(``python``) and no customized ones (committing needs a container runtime and a registry they
lack), so forget and purge are checked by the servers' refusal of an unknown image, and purge
on 24.09 by the local refusal (it needs 26.09's ``purge_image_by_id``)."""

from __future__ import annotations

import json

import pytest

from tests.integration.test_cli import bai

pytestmark = pytest.mark.integration

UNKNOWN = "cr.backend.ai/aibc-nosuch/img:0.0"


def test_image_list_and_customized(endpoint: str) -> None:
    p = bai("--output", "json", "image", "list")
    assert p.returncode == 0, p.stderr
    assert "stable/python" in {i["name"] for i in json.loads(p.stdout)["items"]}
    p = bai("--output", "json", "image", "list", "--customized")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["items"] == []


def test_forget_and_purge_of_an_unknown_image(server_line: str) -> None:
    p = bai("image", "forget", UNKNOWN)
    assert p.returncode == 1 and "No such environment image" in p.stderr
    p = bai("image", "purge", UNKNOWN)
    assert p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1
    if server_line == "24.09":
        assert "v9.20250722" in p.stderr  # refused locally
    else:
        assert "No such environment image" in p.stderr
