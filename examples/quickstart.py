"""Hello world on a Backend.AI cluster: start a compute session, run code, print what it printed.

Configure with BACKEND_ENDPOINT, BACKEND_ACCESS_KEY and BACKEND_SECRET_KEY (or run
``nox -s quickstart``, which brings up a local server and sets them).
"""

from __future__ import annotations

import sys
import uuid

from ai_backend_client import Session


def main() -> int:
    with Session() as session:
        print(f"connected to {session.config.endpoint} (API {session.api_version})")
        kern = session.ComputeSession.get_or_create(
            "python", name=f"quickstart-{uuid.uuid4().hex[:8]}"
        )
        try:
            code = 'import platform; print("hello world from", platform.python_version())'
            run_id = None
            mode = "query"
            while True:
                result = kern.execute(run_id, code, mode=mode)
                run_id = result["runId"]
                for record in result.get("console", []):
                    if record[0] == "stdout":
                        print(record[1], end="")
                    elif record[0] == "stderr":
                        print(record[1], end="", file=sys.stderr)
                if result["status"] == "finished":
                    break
                mode, code = "continue", ""
        finally:
            kern.destroy()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
