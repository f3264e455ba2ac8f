"""The 22.03 SDK's example "Asynchronous-mode Execution", unchanged except for the import line.

aiohttp is imported only for ``aiohttp.WSMsgType.TEXT``, which the stream's messages compare
equal to; the SDK itself does not depend on aiohttp.
"""

# fmt: off
# mypy: disable-error-code="no-untyped-def,no-untyped-call"

import asyncio
import getpass
import json
import sys
from collections.abc import Sequence
from typing import Any

import aiohttp

from ai_backend_client import AsyncSession


def handle_media(record: Sequence[Any]) -> None:
    media_type = record[0]  # MIME-Type string
    media_data = record[1]  # content
    print(f"[{media_type}: {len(str(media_data))} characters]")


async def main():
    async with AsyncSession() as session:
        kern = await session.ComputeSession.get_or_create('python:3.6-ubuntu18.04',
                                                          client_token='mysession')
        code = 'print("hello world")'
        mode = 'query'
        async with kern.stream_execute(code, mode=mode) as stream:
            # no need for explicit run_id since WebSocket connection represents it!
            async for result in stream:
                if result.type != aiohttp.WSMsgType.TEXT:
                    continue
                result = json.loads(result.data)
                for rec in result.get('console', []):
                    if rec[0] == 'stdout':
                        print(rec[1], end='', file=sys.stdout)
                    elif rec[0] == 'stderr':
                        print(rec[1], end='', file=sys.stderr)
                    else:
                        handle_media(rec)
                sys.stdout.flush()
                if result['status'] == 'finished':
                    break
                elif result['status'] == 'waiting-input':
                    mode = 'input'
                    if result['options'].get('is_password', False):
                        code = getpass.getpass()
                    else:
                        code = input()
                    await stream.send_text(code)
                else:
                    mode = 'continued'
                    code = ''
        await kern.destroy()


loop = asyncio.get_event_loop()
try:
    loop.run_until_complete(main())
finally:
    loop.stop()
