"""Import structure (issue 12): a command or SDK call loads the generated modules of its own tag only.

Each case runs in a fresh interpreter against a small loopback HTTP server (the version probe and
the one answer the call needs), then lists the generated modules it imported. Timings are never
asserted here; ``bench/bench_official.py`` measures them.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_SERVER = r"""
import json, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANSWERS = json.loads(sys.argv[1])

class Handler(BaseHTTPRequestHandler):
    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = self.path.split("?")[0]
        if path == "/":
            body = {"version": "v8.20240915", "manager": "24.09.6"}
        elif path in ANSWERS:
            body = ANSWERS[path]
        else:
            body, code = {"type": "https://api.backend.ai/probs/url-not-found", "title": "no"}, 404
            return self._send(404, body)
        self._send(200, body)

    def _send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
os.environ.update(
    BACKEND_ENDPOINT=f"http://127.0.0.1:{server.server_address[1]}",
    BACKEND_ACCESS_KEY="AKIAIMPORTSTRUCTURE1",
    BACKEND_SECRET_KEY="import-structure-secret-0123456789abcdef",
    BACKEND_ENDPOINT_TYPE="api",
)
for key in [k for k in os.environ if k.startswith("SORNA_") or k == "PYDANTIC_DISABLE_PLUGINS"]:
    del os.environ[key]
"""

_CLI = r"""
from ai_backend_client.cli.main import main
try:
    main(sys.argv[2:])
    rc = 0
except SystemExit as e:
    rc = e.code or 0
"""

_SDK = r"""
from ai_backend_client.session import Session
with Session() as s:
    s.VFolder.list()
rc = 0
"""

_REPORT = r"""
HEAVY = (
    "graphql",  # graphql-core: only raw documents and fields= beyond the generated leaves
    "ai_backend_client.streams._sse",  # streams: only when a stream is opened
    "ai_backend_client.streams._app_proxy",
    "ai_backend_client.cli.session_history",  # session subcommands of their own modules
    "ai_backend_client.cli.ssh",
    "ai_backend_client.task_template",  # only template commands
)
httpx_cli = sys.modules.get("httpx._main")
print(json.dumps({
    "rc": rc,
    "modules": sorted(m for m in sys.modules if m.startswith("ai_backend_client._generated.")),
    "httpx_cli_loaded": httpx_cli is not None and getattr(httpx_cli, "__file__", None) is not None,
    "heavy": sorted(m for m in HEAVY if m in sys.modules),
    # whether pydantic read every distribution's metadata to find its plugins
    "plugins_scanned": getattr(sys.modules.get("pydantic.plugin._loader"), "_plugins", None)
    is not None,
}), file=sys.stderr)
"""


def _run(body: str, answers: dict[str, object], *args: str) -> dict[str, object]:
    code = _SERVER + body + _REPORT
    p = subprocess.run(
        [sys.executable, "-c", code, json.dumps(answers), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    report: dict[str, object] = json.loads(p.stderr.strip().splitlines()[-1])
    assert report["rc"] == 0, (p.stdout, p.stderr)
    return report


def _generated(report: dict[str, object], kind: str) -> set[str]:
    """Per-tag modules of *kind* (``resources``, ``models``, ``graphql.models``) loaded."""
    found: set[str] = set()
    for name in report["modules"]:  # type: ignore[attr-defined]
        _, _, rest = name.partition("ai_backend_client._generated.")
        version, _, tail = rest.partition(".")
        if (
            version.startswith("v")
            and tail.startswith(kind + ".")
            and tail.count(".") == kind.count(".") + 1
        ):
            found.add(tail.rsplit(".", 1)[1])
    return found - {"_unreferenced"}


def _foreign_models(report: dict[str, object], tags: set[str]) -> set[str]:
    """Model modules loaded that belong to none of *tags*.

    A model module is one operation's (``folders__list_folders``), shared by operations of one
    tag (``folders``) or shared by the tags its name lists (``_shared_folders__v2_vfolders``);
    a shared module named by a hash counts as foreign.
    """
    return {
        m
        for m in _generated(report, "models")
        if m.partition("__")[0] not in tags
        and not (m.startswith("_shared_") and set(m.removeprefix("_shared_").split("__")) & tags)
    }


REST_COMMANDS = [
    # (command, answers, its REST tags, the GraphQL operation files its function class uses)
    (["vfolder", "list"], {"/folders": []}, {"folders"}, {"vfolder"}),
    (["session-template", "list"], {"/template/session": []}, {"template_session"}, set()),
    (["dotfile", "list"], {"/user-config/dotfiles": []}, {"user_config"}, set()),
]


@pytest.mark.parametrize(("args", "answers", "tags", "gql"), REST_COMMANDS, ids=lambda v: str(v))
def test_cli_command_loads_only_its_own_tag(
    args: list[str], answers: dict[str, object], tags: set[str], gql: set[str]
) -> None:
    report = _run(_CLI, answers, "--output", "json", *args)
    assert _generated(report, "resources") == tags
    assert not _foreign_models(report, tags)
    assert _generated(report, "graphql.models") <= gql
    assert report["httpx_cli_loaded"] is False
    assert report["heavy"] == (["ai_backend_client.task_template"] if "template" in args[0] else [])
    assert report["plugins_scanned"] is False  # a command needs no pydantic plugins


def test_sdk_vfolder_list_loads_only_the_folders_tag() -> None:
    report = _run(_SDK, {"/folders": []})
    assert _generated(report, "resources") == {"folders"}
    assert not _foreign_models(report, {"folders"})
    # of the tag's models, only what the one operation uses (2 of the tag's 60 classes)
    assert _generated(report, "models") == {"folders__list_folders"}, report["modules"]
    assert _generated(report, "graphql.models") <= {"vfolder"}  # the function class's own
    assert report["httpx_cli_loaded"] is False
    assert report["plugins_scanned"] is True  # a program's own pydantic plugins still apply


def test_graphql_command_loads_only_its_operation_file() -> None:
    answers = {"/admin/gql": {"data": {"agent_list": {"items": [], "total_count": 0}}}}
    report = _run(_CLI, answers, "--output", "json", "admin", "agent", "list")
    assert not _generated(report, "resources") - {"admin"}
    assert len(_generated(report, "graphql.models")) == 1, report["modules"]


def test_ps_narrows_its_document_without_graphql_core() -> None:
    """``ps`` asks for a subset of the generated session-list document's leaf fields: the text
    is spliced with the generated selection table, no GraphQL parser is loaded."""
    data = {"compute_session_list": {"items": [], "total_count": 0}}
    report = _run(_CLI, {"/admin/gql": {"data": data}}, "--output", "json", "ps")
    assert report["heavy"] == []
    assert not _generated(report, "resources") - {"admin"}


def test_import_loads_neither_httpx_nor_pydantic_and_httpx_cli_stays_usable() -> None:
    code = (
        "import sys, ai_backend_client, ai_backend_client.types\n"
        "heavy = sorted(m for m in ('httpx', 'pydantic') if m in sys.modules)\n"
        "from ai_backend_client.session import Session\n"
        "import httpx\n"
        "deferred = 'rich' not in sys.modules and 'pygments' not in sys.modules\n"
        "import httpx._main\n"
        "print(heavy, deferred, callable(httpx.main), hasattr(httpx._main, 'print_help'))\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.stdout.split() == ["[]", "True", "True", "True"], p.stderr


def test_run_does_not_load_the_session_command_group() -> None:
    # `backend.ai run` shares its creation options with `session create`, not the whole group
    code = (
        "import sys, ai_backend_client.cli.run; "
        "print('ai_backend_client.cli.session' in sys.modules, "
        "'ai_backend_client.cli._session_create' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
