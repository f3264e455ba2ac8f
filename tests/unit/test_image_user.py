"""``backend.ai image`` (list, list --customized, forget, purge) and the Image methods under it:
the GraphQL each API version is sent, and the local refusal where a version lacks it."""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx

from tests.unit._cli_run import cli_runner

EP = "http://manager.test"
IID = "5b5b3b4e-6b1f-4a4e-9c1e-0d1c2c3b4a59"


@pytest.fixture
def bai(monkeypatch: pytest.MonkeyPatch) -> Any:
    return cli_runner(monkeypatch, EP)


def sent(route: respx.Route, i: int = -1) -> Any:
    return json.loads(route.calls[i].request.content)


@respx.mock
def test_list_customized(bai: Any) -> None:
    item = {"id": "x", "row_id": IID, "name": "mine", "registry": "r", "architecture": "x86_64"}
    route = respx.post(f"{EP}/admin/gql").respond(json={"data": {"customized_images": [item]}})
    result = bai("v9.20250722", "--output", "json", "image", "list", "--customized")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["items"][0]["name"] == "mine"
    assert "customized_images" in sent(route)["query"]
    result = bai("v6.20220315", "image", "list", "--customized")
    assert result.exit_code == 1 and "v8.20240915" in result.stderr
    assert route.call_count == 1


@pytest.mark.parametrize("version", ["v6.20220315", "v8.20240915", "v9.20250722"])
@respx.mock
def test_forget_by_reference_on_every_version(bai: Any, version: str) -> None:
    route = respx.post(f"{EP}/admin/gql").respond(
        json={"data": {"forget_image": {"ok": True, "msg": ""}}}
    )
    result = bai(version, "image", "forget", "r/p/img:1")
    assert result.exit_code == 0, result.output
    assert sent(route)["variables"] == {"reference": "r/p/img:1"}  # the server's default arch
    bai(version, "image", "forget", "--arch", "aarch64", "r/p/img:1")
    assert sent(route)["variables"] == {"reference": "r/p/img:1", "architecture": "aarch64"}


@respx.mock
def test_forget_refused_by_the_server_is_one_line(bai: Any) -> None:
    respx.post(f"{EP}/admin/gql").respond(
        json={"data": {"forget_image": {"ok": False, "msg": "no such image"}}}
    )
    result = bai("v9.20250722", "image", "forget", "r/p/img:1")
    assert result.exit_code == 1 and "no such image" in result.stderr


@respx.mock
def test_purge_looks_up_the_id_then_purges(bai: Any) -> None:
    route = respx.post(f"{EP}/admin/gql")
    route.side_effect = [
        respx.MockResponse(json={"data": {"image": {"id": IID}}}),
        respx.MockResponse(json={"data": {"purge_image_by_id": {"image": {"id": IID}}}}),
    ]
    result = bai("v9.20250722", "image", "purge", "--remove-from-registry", "r/p/img:1")
    assert result.exit_code == 0, result.output
    assert sent(route, 0)["variables"] == {"reference": "r/p/img:1"}
    assert sent(route, 1)["variables"] == {
        "image_id": IID,
        "options": {"remove_from_registry": True},
    }


@pytest.mark.parametrize("version", ["v6.20220315", "v8.20240915"])
@respx.mock
def test_purge_needs_26_09(bai: Any, version: str) -> None:
    route = respx.post(f"{EP}/admin/gql").respond(json={"data": {}})
    result = bai(version, "image", "purge", "r/p/img:1")
    assert result.exit_code == 1 and "v9.20250722" in result.stderr
    assert not route.called
