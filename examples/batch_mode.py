"""The 22.03 SDK's example "Batch mode", unchanged except for the import line.

Run it in a directory holding ``mycode.py`` and ``setup.py``.
"""

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
    kern.upload(['mycode.py', 'setup.py'])
    code = ''
    mode = 'batch'
    run_id = None
    opts = {
        'build': '*',  # calls "python setup.py install"
        'exec': 'python mycode.py arg1 arg2',
    }
    while True:
        result = kern.execute(run_id, code, mode=mode, opts=opts)
        opts.clear()
        run_id = result['runId']
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
