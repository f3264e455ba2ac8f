"""Static types of the blocking API as a user writes it (type-checked only, never run).

Every ``assert_type`` fails mypy --strict / pyright strict if the expression's type changes,
including a silent regression to ``Any``. Nothing here is called; pytest does not collect it.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from typing import Any

from typing_extensions import assert_type

from ai_backend_client import APIConfig, Session
from ai_backend_client import types as models
from ai_backend_client._graphql import PaginatedResult
from ai_backend_client.func._sync.agent import AgentItem
from ai_backend_client.func._sync.compute_session import ComputeSession
from ai_backend_client.func._sync.keypair import KeyPairItem
from ai_backend_client.func._sync.vfolder import VFolder


def check_session_context_manager() -> None:
    with Session() as session:
        assert_type(session, Session)
        assert_type(session.config, APIConfig)
        assert_type(session.closed, bool)
        assert_type(session.server_info, dict[str, Any])
    with Session(config=APIConfig(endpoint="http://127.0.0.1:8091")) as other:
        assert_type(other, Session)


def check_compute_session() -> None:
    with Session() as session:
        kern = session.ComputeSession.get_or_create("python", name="typing-check")
        assert_type(kern, ComputeSession)
        assert_type(kern.id, uuid.UUID | None)
        assert_type(kern.name, str | None)
        assert_type(kern.created, bool)
        assert_type(kern.status, str)
        assert_type(kern.service_ports, list[models.ServicePort])

        result = kern.execute(None, 'print("hello")', mode="query")
        assert_type(result, models.ExecutionResult)
        assert_type(result.status, str)
        assert_type(result.run_id, str | None)
        assert_type(result.exit_code, int | None)
        assert_type(result.console, list[list[Any]])
        assert_type(result.records, list[models.ConsoleItem])
        assert_type(result.stdout, str)
        assert_type(result.stderr, str)
        assert_type(result.is_finished, bool)
        assert_type(result["console"], Any)

        info = kern.get_info()
        assert_type(info, models.SessionInfo)
        assert_type(info.status, str)
        assert_type(info.image, str)
        assert_type(info.age, int)

        assert_type(kern.destroy(), models.DestroySessionResponse)

        by_id = session.ComputeSession.from_session_id(uuid.uuid4())
        assert_type(by_id, ComputeSession)


def check_vfolder() -> None:
    with Session() as session:
        folders = session.VFolder.list()
        assert_type(folders, list[models.VFolderListItem])
        assert_type(folders[0].name, str)
        assert_type(folders[0].is_owner, bool)

        folder = session.VFolder("data")
        assert_type(folder, VFolder)
        info = folder.info()
        assert_type(info, models.VFolderInfo)
        assert_type(info.num_files, int | None)
        assert_type(info.used_bytes, int | None)


def check_keypair_pages() -> None:
    with Session() as session:
        page = session.KeyPair.paginated_list(is_active=True, page_size=10)
        assert_type(page, PaginatedResult[KeyPairItem])
        assert_type(page.items, list[KeyPairItem])
        assert_type(page.total_count, int)
        item = page.items[0]
        assert_type(item.access_key, str | None)
        assert_type(item.is_admin, bool | None)
        assert_type(item.created_at, datetime.datetime | None)
        assert_type(session.KeyPair.iter_all(), Iterator[KeyPairItem])
        # the one pager keeps paginated_list's parameters (ParamSpec)
        assert_type(
            session.KeyPair.iter_all(True, user_id="u@example.com", page_size=50),
            Iterator[KeyPairItem],
        )


def check_agent_pages() -> None:
    with Session() as session:
        page = session.Agent.paginated_list("ALIVE", page_offset=0, page_size=20)
        assert_type(page, PaginatedResult[AgentItem])
        assert_type(page.items, list[AgentItem])
        assert_type(page.total_count, int)
        assert_type(page.items[0].id, str | None)
        assert_type(page.items[0].cpu_cur_pct, float | None)
        assert_type(session.Agent.iter_all(), Iterator[AgentItem])


def check_admin_query() -> None:
    with Session() as session:
        data = session.Admin.query("query { agents { id } }", {"limit": 1})
        assert_type(data, dict[str, Any])


def check_wire_client() -> None:
    with Session() as session:
        info = session.wire.session.get_info(session_name="typing-check")
        # Whatever version the server speaks, the answer is the newest model.
        assert_type(info, models.SessionInfo)
        assert_type(info.status, str)


def check_etcd_config() -> None:
    from ai_backend_client.func._sync.etcd_config import EtcdValue

    with Session() as session:
        assert_type(session.EtcdConfig.get("config/docker", prefix=True), EtcdValue)
