"""What the fault cases share: sessions in both modes, the CLI, and the checks a user makes."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ai_backend_client.cli.main import cli
from ai_backend_client.config import APIConfig
from ai_backend_client.exceptions import BackendError
from ai_backend_client.session import AsyncSession, Session

from ._cluster import TOKEN_PREFIX
from ._server import FaultServer

ACCESS_KEY = "AKIAFAULTSUITE00001"
SECRET_KEY = "fault-suite-secret-key-0123456789abcdef"
#: Strings that must never appear in a message, a repr or a log line.
SECRETS = (SECRET_KEY, SECRET_KEY[:6], TOKEN_PREFIX)

SDK_MODES = ["sync", "async"]
ALL_MODES = ["sync", "async", "cli"]


def make_config(endpoint: str | Sequence[str], **kw: Any) -> APIConfig:
    kw.setdefault("access_key", ACCESS_KEY)
    kw.setdefault("secret_key", SECRET_KEY)
    return APIConfig(endpoint=endpoint, shuffle_endpoints=False, **kw)


def run(mode: str, config: APIConfig, call: Callable[[Any], Any], *, max_retries: int = 2) -> Any:
    """``call(session)`` in a fresh ``Session`` (mode ``sync``) or ``AsyncSession`` (``async``).

    *call* is the same expression for both (``lambda s: s.VFolder("vf").upload(...)``); in async
    mode its result is awaited.
    """
    if mode == "sync":
        with Session(config=config, max_retries=max_retries) as session:
            return call(session)

    async def main() -> Any:
        async with AsyncSession(config=config, max_retries=max_retries) as session:
            result = call(session)
            if inspect.isawaitable(result):
                result = await result
            return result

    return asyncio.run(main())


@dataclass
class Failure:
    """How a call failed, as the user sees it."""

    type: str  # exception class name, or "exit <code>" for the CLI
    message: str
    exit_code: int | None = None
    error: BaseException | None = None


def invoke_cli(args: Sequence[str]) -> Any:
    return CliRunner().invoke(cli, list(args))


def failure(
    mode: str,
    endpoint: str,
    call: Callable[[Any], Any],
    cli_args: Sequence[str] = (),
    *,
    max_retries: int = 2,
    **config: Any,
) -> Failure:
    """Run *call* (or, in mode ``cli``, ``backend.ai *cli_args*``) and return how it failed."""
    if mode == "cli":
        result = invoke_cli(cli_args)
        assert result.exit_code != 0, f"the command succeeded: {result.output}"
        assert "Traceback" not in result.stderr, result.stderr
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, f"not one line: {result.stderr!r}"
        return Failure(f"exit {result.exit_code}", lines[0], result.exit_code)
    try:
        run(mode, make_config(endpoint, **config), call, max_retries=max_retries)
    except BackendError as e:
        message = str(e)
        assert "\n" not in message, f"not one line: {message!r}"
        return Failure(type(e).__name__, message, None, e)
    pytest.fail("the call succeeded")


def closed_port() -> int:
    """A loopback port where nothing listens (connections are refused)."""
    server = FaultServer(lambda req, conn: None)
    server.stop()
    return server.port


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret[:8]}... shown in {text[:300]!r}"


def sha256(data: bytes | Path) -> str:
    if isinstance(data, Path):
        data = data.read_bytes()
    return hashlib.sha256(data).hexdigest()


def leftovers(folder: Path) -> list[str]:
    """Every file under *folder* (partial downloads included), relative, sorted."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@contextmanager
def bounded_time(seconds: float) -> Iterator[None]:
    start = time.monotonic()
    yield
    elapsed = time.monotonic() - start
    assert elapsed < seconds, f"took {elapsed:.1f} s (bound: {seconds} s)"
