"""SessionTemplate and the task-template document (the manager's ``task_template_v1``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import respx

from ai_backend_client import APIConfig, Session
from ai_backend_client import types as public
from ai_backend_client.task_template import (
    InvalidTemplateError,
    TaskTemplate,
    parse_template_document,
)
from tests.unit._answers import answer

EP = "http://127.0.0.1:8091"
TID = "c1b8441aba464a838727de6645f521b4"

# The seed's sample, with the camelCase spellings it allows.
SEED_YAML = """\
api_version: v1
kind: taskTemplate
metadata:
  name: template1234
  tag: example-tag
spec:
  kernel:
    environ:
      MYCONFIG: XXX
    git:
      branch: '19.09'
      commit: 10daee9e328876d75e6d0fa4998d4456711730db
      repository: https://github.com/lablup/backend.ai-agent
      destinationDir: /home/work/baiagent
    image: python:3.6-ubuntu18.04
    run:
      startupCommand: python main.py
  resources:
    cpu: '2'
    mem: 4g
  mounts:
    hostpath-test: /home/work/hostDesktop
    test-vfolder:
  sessionType: interactive
"""


def cfg() -> APIConfig:
    return APIConfig(
        endpoint=EP,
        access_key="AKIAIOSFODNN7EXAMPLE",
        secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as r:
        yield r


def _open(router: respx.MockRouter, version: str) -> Session:
    router.get(f"{EP}/").respond(json={"version": version, "manager": "x"})
    return Session(config=cfg())


def body(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


def test_both_spellings_parse_to_the_same_document() -> None:
    camel = parse_template_document(SEED_YAML)
    snake = parse_template_document(
        {
            "apiVersion": "v1",
            "kind": "task_template",
            "metadata": {"name": "template1234", "tag": "example-tag"},
            "spec": {
                "session_type": "interactive",
                "kernel": {
                    "image": "python:3.6-ubuntu18.04",
                    "environ": {"MYCONFIG": "XXX"},
                    "run": {"startup": "python main.py"},
                    "git": {
                        "repository": "https://github.com/lablup/backend.ai-agent",
                        "branch": "19.09",
                        "commit": "10daee9e328876d75e6d0fa4998d4456711730db",
                        "destination_dir": "/home/work/baiagent",
                    },
                },
                "resources": {"cpu": "2", "mem": "4g"},
                "mounts": {"hostpath-test": "/home/work/hostDesktop", "test-vfolder": None},
            },
        }
    )
    a = camel.session_templates[0].template
    b = snake.session_templates[0].template
    assert a.spec == b.spec and a.metadata == b.metadata and a.api_version == b.api_version
    assert (
        a.spec.kernel.git is not None and a.spec.kernel.git.destination_dir == "/home/work/baiagent"
    )
    assert a.spec.kernel.run is not None and a.spec.kernel.run.startup_command == "python main.py"


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["spec"]["kernel"].pop("image"), "spec.kernel.image: Field required"),
        (lambda d: d.__setitem__("kind", "clusterTemplate"), "kind:"),
        (lambda d: d["spec"].__setitem__("type", "weird"), "spec.type"),
        (
            lambda d: d["spec"]["kernel"].__setitem__("imagee", "x"),
            "spec.kernel.imagee: unknown field",
        ),
        (lambda d: d["metadata"].pop("name"), "metadata.name: Field required"),
        (lambda d: d["spec"].__setitem__("resources", ["cpu"]), "spec.resources"),
    ],
)
def test_invalid_template_names_the_field(change: Any, path: str) -> None:
    doc: dict[str, Any] = {
        "api_version": "v1",
        "kind": "taskTemplate",
        "metadata": {"name": "t1"},
        "spec": {"kernel": {"image": "python"}},
    }
    change(doc)
    with pytest.raises(InvalidTemplateError, match="invalid session template") as info:
        parse_template_document(doc)
    assert path in str(info.value)


def test_garbage_text_is_rejected() -> None:
    with pytest.raises(InvalidTemplateError, match="expected a mapping"):
        parse_template_document("- just\n- a list\n")
    with pytest.raises(InvalidTemplateError):
        parse_template_document("key: [unclosed")


def test_create_wraps_a_bare_template_and_sends_v6_keys(router: respx.MockRouter) -> None:
    route = router.post(f"{EP}/template/session").respond(200, json={"id": TID, "user": "u"})
    with _open(router, "v6.20220315") as s:
        tpl = s.SessionTemplate.create(SEED_YAML)
    assert tpl.template_id == TID
    sent = body(route)
    # 22.03 reads group_name or group (and domain_name or domain); 24.09 group and domain
    assert sent["group"] == "default" and sent["domain"] == "default"
    payload = json.loads(sent["payload"])
    template = payload["session_templates"][0]["template"]
    assert (
        template["kind"] == "taskTemplate"
        and template["spec"]["kernel"]["image"] == "python:3.6-ubuntu18.04"
    )
    assert template["spec"]["kernel"]["git"]["destination_dir"] == "/home/work/baiagent"


def test_create_v8_uses_group_and_domain_and_accepts_lists(router: respx.MockRouter) -> None:
    route = router.post(f"{EP}/template/session").respond(
        200, json=[{"id": "a", "user": "u"}, {"id": TID, "user": "u"}]
    )
    with _open(router, "v8.20240915") as s:
        tpl = s.SessionTemplate.create(
            TaskTemplate.model_validate(
                json.loads(
                    json.dumps(
                        {
                            "apiVersion": "v1",
                            "kind": "taskTemplate",
                            "metadata": {"name": "t"},
                            "spec": {"kernel": {"image": "python"}},
                        }
                    )
                )
            ),
            group_name="grp",
        )
    assert tpl.template_id == TID
    sent = body(route)
    assert sent["group"] == "grp" and sent["domain"] == "default" and "group_name" not in sent
    # 24.09 iterates the payload itself: a bare list of entries, no session_templates envelope
    assert json.loads(sent["payload"])[0]["template"]["metadata"]["name"] == "t"


def test_invalid_template_sends_nothing(router: respx.MockRouter) -> None:
    route = router.post(f"{EP}/template/session").respond(200, json={"id": TID})
    with (
        _open(router, "v6.20220315") as s,
        pytest.raises(InvalidTemplateError, match=r"spec\.kernel\.image"),
    ):
        s.SessionTemplate.create(
            {
                "api_version": "v1",
                "kind": "taskTemplate",
                "metadata": {"name": "t"},
                "spec": {"kernel": {}},
            }
        )
    assert not route.called


def test_list_get_put_delete_v6(router: respx.MockRouter) -> None:
    item = answer(public.TemplateListItem) | {
        "name": "t",
        "id": TID,
        "is_owner": True,
        "type": "user",
        "template": {"kind": "taskTemplate"},
    }
    listing = router.get(f"{EP}/template/session").respond(200, json=[item])
    detail = {
        "template": {
            "api_version": "v1",
            "kind": "taskTemplate",
            "metadata": {"name": "t"},
            "spec": {"kernel": {"image": "python"}},
        },
        "name": "t",
        "user_uuid": "u",
        "group_id": "g",
        "domain_name": "default",
    }
    get = router.get(f"{EP}/template/session/{TID}").respond(200, json=detail)
    put = router.put(f"{EP}/template/session/{TID}").respond(200, json={"success": True})
    delete = router.delete(f"{EP}/template/session/{TID}").respond(200, json={"success": True})
    with _open(router, "v6.20220315") as s:
        items = s.SessionTemplate.list_templates(list_all=True)
        assert items[0].id == TID and items[0]["is_owner"] is True
        assert body(listing) == {"all": True}
        tpl = s.SessionTemplate(TID)
        text = tpl.get()
        assert "kind: taskTemplate" in text
        assert json.loads(tpl.get(body_format="json"))["api_version"] == "v1"
        assert get.calls.last.request.url.params["format"] == "json"
        assert tpl.put(SEED_YAML).success is True
        assert (
            json.loads(body(put)["payload"])["session_templates"][0]["template"]["metadata"]["name"]
            == "template1234"
        )
        assert tpl.delete()["success"] is True
        assert delete.called
