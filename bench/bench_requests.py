"""Per-request overhead of ``ComputeSession.get_info``: the SDK against a bare httpx loop.

    eval "$(python -m stack env)"; python bench/bench_requests.py [--n 200] [--rounds 10] [--profile]

One compute session (image ``python``) is created through the SDK and destroyed at the end. Then
four loops make the same number of sequential ``GET /session/{name}`` requests against the local
server, interleaved in rounds (the order rotates each round) so that noise on a shared machine
hits all of them alike:

* ``sdk-sync``: ``kern.get_info()`` on a ``Session``;
* ``bare-sync``: one reused ``httpx.Client`` signing with ``BackendAIAuth`` (the protocol, not SDK
  overhead), the same headers the SDK sends, ``raise_for_status()`` and ``response.json()``;
* ``sdk-async`` / ``bare-async``: the same with ``AsyncSession`` and one ``httpx.AsyncClient``.

Printed: requests/second of each (total requests / total time over all rounds), the client
process's CPU time per request (the SDK's own cost, independent of how fast the server answers)
and the ratios SDK/bare for sync and async (target >= 0.8). No assertions. ``--profile`` additionally runs the SDK
loops under cProfile and prints the functions where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from ai_backend_client.auth import BackendAIAuth
from ai_backend_client.session import AsyncSession, Session

IMAGE = "python"


def _bare_headers(session: Session) -> dict[str, str]:
    """The headers the SDK's core sends on a signed manager request."""
    return session.core.default_headers()


def _bare_auth(session: Session) -> BackendAIAuth:
    config = session.config
    return BackendAIAuth(config.access_key, config.secret_key, hash_type=config.hash_type)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=200, help="requests per variant (default 200)")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds (default 10)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per variant first")
    parser.add_argument(
        "--profile", action="store_true", help="also profile the SDK loops with cProfile"
    )
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, args.n))
    per_round = [args.n // rounds + (1 if i < args.n % rounds else 0) for i in range(rounds)]

    name = f"bench-req-{secrets.token_hex(4)}"
    loop = asyncio.new_event_loop()
    with Session() as session:
        print(f"creating compute session {name!r} (image {IMAGE!r}) ...", flush=True)
        kern = session.ComputeSession.get_or_create(IMAGE, name=name)
        try:
            asession = AsyncSession()
            loop.run_until_complete(asession.open())
            akern = asession.ComputeSession(name)
            url = session.core.build_url(f"/session/{name}")
            headers = _bare_headers(session)
            auth = _bare_auth(session)
            timeout = session.core.timeout()
            bare = httpx.Client(timeout=timeout, headers=headers, auth=auth)
            abare = httpx.AsyncClient(timeout=timeout, headers=headers, auth=auth)

            def sdk_sync(count: int) -> None:
                for _ in range(count):
                    kern.get_info()

            def bare_sync(count: int) -> None:
                for _ in range(count):
                    r = bare.get(url)
                    r.raise_for_status()
                    r.json()

            async def sdk_async(count: int) -> None:
                for _ in range(count):
                    await akern.get_info()

            async def bare_async(count: int) -> None:
                for _ in range(count):
                    r = await abare.get(url)
                    r.raise_for_status()
                    r.json()

            def run_async(fn: Callable[[int], Awaitable[None]]) -> Callable[[int], None]:
                def run(count: int) -> None:
                    loop.run_until_complete(fn(count))

                return run

            variants: dict[str, Callable[[int], None]] = {
                "sdk-sync": sdk_sync,
                "bare-sync": bare_sync,
                "sdk-async": run_async(sdk_async),
                "bare-async": run_async(bare_async),
            }
            try:
                for fn in variants.values():  # connections open, caches and imports warm
                    fn(args.warmup)
                elapsed = dict.fromkeys(variants, 0.0)
                cpu = dict.fromkeys(variants, 0.0)
                order = list(variants)
                for i, count in enumerate(per_round):
                    rotated = order[i % len(order) :] + order[: i % len(order)]
                    for key in rotated:
                        t0, c0 = time.perf_counter(), time.process_time()
                        variants[key](count)
                        elapsed[key] += time.perf_counter() - t0
                        cpu[key] += time.process_time() - c0
                report(args.n, rounds, elapsed, cpu)
                if args.profile:
                    profile("sdk-sync", lambda: sdk_sync(args.n))
                    profile("sdk-async", lambda: run_async(sdk_async)(args.n))
            finally:
                bare.close()
                loop.run_until_complete(abare.aclose())
                loop.run_until_complete(asession.close())
        finally:
            try:
                kern.destroy()
            except Exception as e:  # report, but do not hide the benchmark's own error
                print(f"warning: could not destroy {name!r}: {e}")
            loop.close()


def report(n: int, rounds: int, elapsed: dict[str, float], cpu: dict[str, float]) -> None:
    rate = {key: n / secs for key, secs in elapsed.items()}
    print(f"GET /session/{{name}} x {n} per variant, {rounds} interleaved rounds")
    for key, value in rate.items():
        print(
            f"  {key:10s} {value:8.1f} req/s   {elapsed[key] / n * 1000:6.2f} ms/req wall   "
            f"{cpu[key] / n * 1000:5.2f} ms/req client CPU"
        )
    for kind in ("sync", "async"):
        ratio = rate[f"sdk-{kind}"] / rate[f"bare-{kind}"]
        extra = (elapsed[f"sdk-{kind}"] - elapsed[f"bare-{kind}"]) / n * 1000
        extra_cpu = (cpu[f"sdk-{kind}"] - cpu[f"bare-{kind}"]) / n * 1000
        print(
            f"  {kind:5s} ratio sdk/bare = {ratio:.2f}x (target >= 0.80x); SDK overhead "
            f"{extra:+.2f} ms/request wall, {extra_cpu:+.2f} ms/request client CPU"
        )


def profile(label: str, fn: Callable[[], Any]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(40)
    print(f"\n--- cProfile of {label} (cumulative, top 40) ---")
    print(out.getvalue())


if __name__ == "__main__":
    main()
