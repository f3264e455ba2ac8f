"""Lenient reading of answers that differ from the spec, and the strict mode (respx: these test
the client's own parsing; the drifting server in ``test_drift.py`` tests whole calls)."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator

import pytest
import respx

from ai_backend_client import Session, types
from ai_backend_client._base_client import MalformedResponseError
from ai_backend_client._models import response_problems, server_json
from ai_backend_client.exceptions import NotFoundError, ResponseValidationWarning
from tests.unit.test_compute_session import EP, SID, cfg


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as r:
        r.get(f"{EP}/").respond(json={"version": "v8.20240915", "manager": "24.09.6"})
        yield r


def _messages(record: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, ResponseValidationWarning)]


def test_strict_and_lenient_come_from_config_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKEND_STRICT_RESPONSES")
    assert cfg().strict_responses is False
    assert cfg(strict_responses=True).strict_responses is True
    monkeypatch.setenv("BACKEND_STRICT_RESPONSES", "yes")
    assert cfg().strict_responses is True
    assert cfg(strict_responses=False).strict_responses is False
    monkeypatch.setenv("BACKEND_STRICT_RESPONSES", "maybe")
    with pytest.raises(ValueError, match="not a boolean"):
        cfg()


# A creation answer with a wrong scalar type inside a list item, a field in the other casing, an
# extra field and a malformed UUID-typed field left out.
CREATED = {
    "sessionId": SID,
    "session_name": "mysess",
    "status": "RUNNING",
    "servicePorts": [
        {"name": "jupyter", "protocol": "http", "ports": "8080"},
        {"name": "sshd", "protocol": "tcp", "ports": [2200]},
    ],
    "created": True,
    "agentList": ["i-1"],
}


def test_lenient_answer_is_a_model_with_raw_values_and_one_warning(
    lenient: None, router: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    router.post(f"{EP}/session").respond(201, json=CREATED)
    with Session(config=cfg()) as api:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            with caplog.at_level(logging.WARNING, logger="ai_backend_client"):
                resp = api.wire.session.create_from_params(image="python", name="mysess")
                again = api.wire.session.create_from_params(image="python", name="mysess")
    # one warning for the (model, field), naming both, through warnings and the logger
    (message,) = _messages(record)
    assert "CreateSessionResponse" in message and "servicePorts.*.ports" in message
    assert [
        r.getMessage() for r in caplog.records if "CreateSessionResponse" in r.getMessage()
    ] == [message]
    for r in (resp, again):
        assert str(r.session_id) == SID  # fields that fit are typed as declared
        first, second = r.service_ports or []
        assert first.ports == "8080" and first["ports"] == "8080"  # raw value, both ways
        assert first.name == "jupyter" and second.ports == [2200]  # the rest of the list is kept
        assert r.session_name == "mysess" == r["sessionName"]  # the other casing is read too
        assert r["agentList"] == ["i-1"]
    assert response_problems(resp) == ("servicePorts.*.ports",)
    assert resp.to_dict() == CREATED  # the server's data, unchanged
    assert resp.model_dump(mode="json")["service_ports"][0]["ports"] == "8080"  # no warning


def test_strict_mode_raises_malformed_response(router: respx.MockRouter) -> None:
    router.post(f"{EP}/session").respond(201, json=CREATED)
    with Session(config=cfg(strict_responses=True)) as api:
        with pytest.raises(MalformedResponseError, match=r"servicePorts\.0\.ports") as info:
            api.wire.session.create_from_params(image="python", name="mysess")
    assert info.value.data == CREATED and info.value.status == 201


@pytest.mark.parametrize("strict", [False, True])
def test_not_json_and_error_statuses_stay_errors(
    lenient: None, router: respx.MockRouter, strict: bool
) -> None:
    router.get(f"{EP}/session/a").respond(200, text="<html>proxy error</html>")
    router.get(f"{EP}/session/b").respond(
        404, json={"type": "https://api.backend.ai/probs/session-not-found", "title": "gone"}
    )
    with Session(config=cfg(strict_responses=strict)) as api:
        with pytest.raises(MalformedResponseError, match="expected a JSON body"):
            api.ComputeSession("a").get_info()
        with pytest.raises(NotFoundError):
            api.ComputeSession("b").get_info()


def test_missing_required_fields_are_none_and_defaults_stay(lenient: None) -> None:
    from ai_backend_client._generated.v6_20220315 import models as m6
    from ai_backend_client._models import validate_response

    with pytest.warns(ResponseValidationWarning, match=r"sessionId: Field required"):
        resp = validate_response(m6.CreateSessionResponse, {"status": "PENDING"}, strict=False)
    assert resp.session_id is None and resp.status == "PENDING" and resp.created is None
    with pytest.warns(ResponseValidationWarning, match=r"\(body\)"):
        odd = validate_response(m6.CreateSessionResponse, ["not", "an", "object"], strict=False)
    assert isinstance(odd, m6.CreateSessionResponse) and odd.session_id is None


def test_graphql_answers_are_lenient_and_json_output_is_the_servers(
    lenient: None, router: respx.MockRouter
) -> None:
    item = {
        "id": "i-1",
        "status": "ALIVE",
        "cpu_cur_pct": "n/a",
        "mem_cur_bytes": "1024",
        "available_slots": '{"cpu": "8"}',
        "first_contact": "2024-09-15T01:02:03+00:00",
    }
    good = dict(item, id="i-2", cpu_cur_pct=3.5)
    router.post(f"{EP}/admin/gql").respond(
        json={"data": {"agent_list": {"items": [item, good], "total_count": "2"}}}
    )
    with Session(config=cfg()) as api:
        with pytest.warns(ResponseValidationWarning, match=r"agent_list\.items\.\*\.cpu_cur_pct"):
            page = api.Agent.paginated_list()
    bad, fine = page.items
    assert bad.cpu_cur_pct == "n/a" and bad.mem_cur_bytes == 1024.0
    assert bad.available_slots == {"cpu": "8"} and fine.cpu_cur_pct == 3.5
    assert page.total_count == 2
    # JSON for output: raw values (the JSON string decoded, as the official client does)
    out = server_json(bad)
    assert out["cpu_cur_pct"] == "n/a" and out["mem_cur_bytes"] == "1024"
    assert out["available_slots"] == {"cpu": "8"}


def test_v6_answers_are_converted_leniently_too(lenient: None) -> None:
    with respx.mock(assert_all_called=False) as r:
        r.get(f"{EP}/").respond(json={"version": "v6.20220315", "manager": "22.03.9"})
        r.get(f"{EP}/folders/f1/files").respond(
            json={"files": json.dumps([]), "items": [{"name": "a", "mode": 16877, "size": 1}]}
        )
        with Session(config=cfg()) as api:
            with pytest.warns(ResponseValidationWarning) as caught:
                listing = api.VFolder("f1").list_files(".")
    # the 22.03 model wants a string mode; the public (newest) model the entry's other fields
    messages = [str(w.message) for w in caught]
    assert any("items.*.mode" in m for m in messages), messages
    assert any("items.*.type" in m for m in messages), messages
    (entry,) = listing.items or []
    assert type(listing) is types.ListVFolderFilesResponse  # the public (newest) model
    assert entry.mode == 16877 and entry.name == "a" and entry.size == 1
