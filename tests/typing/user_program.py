"""A data scientist's program, written against the documented API and checked with mypy --strict
and pyright strict (CI runs both on tests/typing/). Never run: it shows that every value a user
touches has its exact type (``assert_type`` on every return), with no casts and no ``None``
checks for the fields the servers always send.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from typing_extensions import assert_type

from ai_backend_client import AsyncSession, Session, types
from ai_backend_client.exceptions import (
    BackendAPIError,
    BackendClientError,
    GraphQLError,
    GraphQLValidationError,
    NotFoundError,
)


def train(data_dir: Path) -> str:
    with Session() as session:
        # a folder for the data, filled from the laptop
        folder = session.VFolder.create("mnist")
        assert_type(folder, types.CreateVFolderResponse)
        assert_type(folder.id, str)
        uploaded = session.VFolder("mnist").upload([data_dir], basedir=data_dir.parent)
        assert_type(uploaded, list[str])
        for item in session.VFolder.list():
            assert_type(item, types.VFolderListItem)
            print(item.name.upper(), item.host, item.created_at, item.is_owner, item.type)

        # a compute session that mounts it, and code run in it
        kern = session.ComputeSession.get_or_create("python", name="train", mounts=["mnist"])
        result = kern.execute(None, "print(len(__import__('os').listdir('/home/work/mnist')))")
        assert_type(result, types.ExecutionResult)
        assert_type(result.run_id, str | None)
        assert_type(result.is_finished, bool)
        for rec in result.records:
            assert_type(rec, types.ConsoleItem)
            assert_type(rec.kind, str)
            assert_type(rec.data, str)
        for pair in result.console:  # the raw [type, data] pairs, as the server sent them
            print(pair[0])
        output = result.stdout
        assert_type(output, str)
        assert_type(result.stderr, str)

        files = session.VFolder("mnist").list_files(".")
        assert_type(files, types.ListVFolderFilesResponse)
        downloaded = session.VFolder("mnist").download(["train.csv"], basedir=data_dir)
        assert_type(downloaded, list[Path])
        gone = kern.destroy()
        assert_type(gone, types.DestroySessionResponse)
        return output


def admin_report() -> None:
    with Session() as session:
        key = session.KeyPair.create("ml@example.com")
        print(key.ok, key.msg)
        page = session.KeyPair.paginated_list(is_active=True, page_size=20)
        assert_type(page, types.PaginatedResult[types.KeyPairItem])
        assert_type(page.total_count, int)
        for kp in page.items:
            assert_type(kp, types.KeyPairItem)
        data = session.Admin.query("query { agents { id status } }")
        assert_type(data, dict[str, Any])  # a raw document's answer is the JSON it sent
        hosts = session.VFolder.list_hosts()
        assert_type(hosts, types.VFolderHostsResponse)
        assert_type(hosts.allowed, list[str])


async def watch(name: str) -> None:
    async with AsyncSession() as session:
        kern = await session.ComputeSession.get_or_create("python", name=name)
        async with kern.stream_execute("for i in range(3): print(i)") as stream:
            async for frame in stream:
                assert_type(frame, types.ExecutionResult)
                print(frame.stdout, end="")
                if frame.is_finished:
                    break
        async with kern.listen_events() as events:
            async for event in events:
                assert_type(event, types.SessionEvent)
                print(event.event, event.data)
                if event.event == "session_terminated":
                    break


def careful() -> None:
    with Session() as session:
        try:
            session.VFolder("no-such-folder").info()
        except NotFoundError as e:
            assert_type(e.status, int)
            assert_type(e.message, str | None)  # the server's message, when it sent one
            assert_type(e.title, str | None)
        except BackendAPIError as e:
            print(e.status, e.title, e.message)
        try:
            session.Admin.query("query { no_such_field }")
        except GraphQLValidationError as e:  # a bad document, found before sending it
            assert_type(e, GraphQLValidationError)
        except GraphQLError as e:
            print(e)
        except BackendClientError as e:
            print(e)


if __name__ == "__main__":
    print(train(Path("data")))
    admin_report()
    asyncio.run(watch("train"))
    careful()
