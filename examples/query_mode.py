"""The 22.03 SDK's example "Query mode", unchanged except for the import line."""

# fmt: off

import sys
from collections.abc import Sequence
from typing import Any

from ai_backend_client import Session


def handle_media(record: Sequence[Any]) -> None:
    media_type = record[0]  # MIME-Type string
    media_data = record[1]  # content
    print(f"[{media_type}: {len(str(media_data))} characters]")


with Session() as session:
    kern = session.ComputeSession.get_or_create('python:3.6-ubuntu18.04')
    code = 'print("hello world")'
    mode = 'query'
    run_id = None
    while True:
        result = kern.execute(run_id, code, mode=mode)
        run_id = result['runId']  # keeps track of this particular run loop
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
        else:
            mode = 'continued'
            code = ''
    kern.destroy()
