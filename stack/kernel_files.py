"""File operations for one kernel, run inside its mount namespace (``nsenter -t PID -m``).

    python kernel_files.py write PATH < data     # create parents, write stdin to PATH
    python kernel_files.py read PATH             # PATH's bytes to stdout
    python kernel_files.py tar PATH              # an uncompressed tar of PATH to stdout
    python kernel_files.py list DIR              # JSON list of entries, as the agent reports them

Paths are already confined to /home/work by the caller.
"""

import io
import json
import os
import stat
import sys
import tarfile


def main(op: str, path: str) -> None:
    out = sys.stdout.buffer
    if op == "write":
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(sys.stdin.buffer.read())
    elif op == "read":
        with open(path, "rb") as f:
            out.write(f.read())
    elif op == "tar":
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            tar.add(path, arcname=os.path.basename(path))
        out.write(buf.getvalue())
    elif op == "list":
        entries = []
        for entry in os.scandir(path):
            st = entry.stat(follow_symlinks=False)
            entries.append(
                {
                    "mode": stat.filemode(st.st_mode),
                    "size": st.st_size,
                    "ctime": st.st_ctime,
                    "mtime": st.st_mtime,
                    "atime": st.st_atime,
                    "filename": entry.name,
                }
            )
        out.write(json.dumps(entries).encode())
    else:
        raise SystemExit(f"unknown operation {op!r}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
