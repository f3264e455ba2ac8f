"""VFolder against a real server: folders, transfers with checksums, resume, sharing, clone, mount."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ai_backend_client.config import APIConfig
from ai_backend_client.exceptions import BackendAPIError, NotFoundError, PermissionDeniedError
from ai_backend_client.session import Session
from ai_backend_client.transfer import LocalPathError, PartialTransferError, RemotePathError

from .conftest import Account
from .test_cli import bai

HOST = os.environ.get("AIBC_VFOLDER_HOST", "local:volume1")
STORAGE = os.environ.get("AIBC_STORAGE_PROXY", "http://127.0.0.1:6021")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def session_for(endpoint: str, account: Account, **kw: object) -> Session:
    return Session(
        config=APIConfig(
            endpoint=endpoint, access_key=account.access_key, secret_key=account.secret_key, **kw
        )  # type: ignore[arg-type]
    )


@pytest.fixture
def admin_session(endpoint: str, admin: Account) -> Iterator[Session]:
    with session_for(endpoint, admin) as s:
        yield s


@pytest.fixture
def folder(admin_session: Session) -> Iterator[str]:
    """A fresh folder of the superadmin; deleted (also from the trash bin) afterwards."""
    name = f"aibc-it-{secrets.token_hex(4)}"
    admin_session.VFolder.create(name, host=HOST)
    names = [name]
    yield name
    for n in {name, *names}:
        _delete_folder(admin_session, n)


def _delete_folder(session: Session, name: str) -> None:
    """Delete *name* (gone already is fine); a storage proxy's passing failure is retried, and a
    folder that cannot be deleted fails the test's teardown instead of staying behind unseen."""
    for attempt in range(4):
        try:
            session.VFolder(name).delete()
            return
        except NotFoundError:
            return
        except BackendAPIError:
            if attempt == 3:
                raise
            time.sleep(1 + attempt)


def make_tree(root: Path) -> dict[str, str]:
    files = {
        "tree/big.bin": os.urandom(5 * 2**20 + 123),
        "tree/sub/a.txt": b"hello from the vfolder\n",
        "tree/sub/deeper/b.txt": b"b" * 1000,
        "tree/empty.dat": b"",
    }
    for rel, data in files.items():
        p = root.joinpath(*rel.split("/"))
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()}


def test_folder_lifecycle_and_file_operations(
    admin_session: Session, folder: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "src"
    sums = make_tree(src)
    monkeypatch.chdir(src)
    vf = admin_session.VFolder(folder)
    assert folder in [f.name for f in admin_session.VFolder.list()]
    assert HOST in (admin_session.VFolder.list_hosts().allowed or [])
    progress: list[tuple[int, int | None, str]] = []
    written = vf.upload(
        ["tree"], chunk_size=2 * 2**20, progress=lambda d, t, f: progress.append((d, t, f))
    )
    assert sorted(written) == sorted(sums)
    assert (5 * 2**20 + 123, 5 * 2**20 + 123, "tree/big.bin") in progress

    listing = {i.name: i for i in vf.list_files("tree/sub").items or []}
    assert listing["a.txt"].size == len(b"hello from the vfolder\n")
    assert listing["deeper"].type == "DIRECTORY"

    out = tmp_path / "out"
    vf.download(sorted(sums), basedir=out)
    for rel, digest in sums.items():
        assert sha256(out.joinpath(*rel.split("/"))) == digest, rel
    # a directory as an archive
    (zipped,) = vf.download(["tree/sub"], basedir=out, archive=True)
    assert zipped.name == "sub.zip" and zipped.read_bytes()[:2] == b"PK"

    vf.mkdir("made/here")
    vf.rename_file("tree/sub/a.txt", "renamed.txt")
    vf.move_file("tree/sub/renamed.txt", "made/here/moved.txt")
    names = [i.name for i in vf.list_files("made/here").items or []]
    assert names == ["moved.txt"]
    vf.delete_files(["tree"], recursive=True)
    assert "tree" not in [i.name for i in vf.list_files(".").items or []]

    info = vf.info()
    assert info.name == folder and info.host == HOST


def test_bad_input(admin_session: Session, folder: str, tmp_path: Path) -> None:
    vf = admin_session.VFolder(folder)
    with pytest.raises(LocalPathError, match="no such file"):
        vf.upload([tmp_path / "missing.bin"], basedir=tmp_path)
    with pytest.raises(RemotePathError):
        vf.download(["../../etc/passwd"], basedir=tmp_path)
    with pytest.raises(BackendAPIError) as e:
        admin_session.VFolder(f"no-such-{secrets.token_hex(3)}").list_files(".")
    assert e.value.status == 404
    with pytest.raises(BackendAPIError) as e:
        admin_session.VFolder.create("x" * 80, host=HOST)  # too long for the server
    assert e.value.status == 400
    with pytest.raises(BackendAPIError):
        vf.download(["not-there.bin"], basedir=tmp_path)
    assert list(tmp_path.iterdir()) == []


class CuttingProxy:
    """A TCP proxy to the storage proxy that drops the first connection moving more than N bytes."""

    def __init__(
        self,
        upstream: tuple[str, int],
        *,
        cut_upload_after: int | None,
        cut_download_after: int | None,
    ) -> None:
        self.upstream = upstream
        self.budget = {"up": cut_upload_after, "down": cut_download_after}
        self.cuts = 0
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            threading.Thread(target=self._pump, args=(client, upstream, "up"), daemon=True).start()
            threading.Thread(
                target=self._pump, args=(upstream, client, "down"), daemon=True
            ).start()

    def _pump(self, src: socket.socket, dst: socket.socket, direction: str) -> None:
        moved = 0
        try:
            while data := src.recv(65536):
                with self.lock:
                    limit = self.budget[direction]
                    if limit is not None and moved + len(data) > limit:
                        self.budget[direction] = None  # only the first cut
                        self.cuts += 1
                        dst.sendall(data[: limit - moved])
                        raise ConnectionResetError("cut by the test proxy")
                dst.sendall(data)
                moved += len(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def close(self) -> None:
        self.server.close()


@pytest.mark.parametrize("direction", ["upload", "download"])
def test_interrupted_transfer_resumes_to_an_identical_file(
    endpoint: str,
    admin: Account,
    folder: str,
    tmp_path: Path,
    direction: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="ai_backend_client.transfer")
    size = 24 * 2**20 + 7
    src = tmp_path / "blob.bin"
    with open(src, "wb") as f:
        for _ in range(size // 2**20):
            f.write(os.urandom(2**20))
        f.write(os.urandom(size % 2**20))
    host, port = STORAGE.removeprefix("http://").split(":")
    proxy = CuttingProxy(
        (host, int(port)),
        cut_upload_after=9 * 2**20 if direction == "upload" else None,
        cut_download_after=9 * 2**20 if direction == "download" else None,
    )
    try:
        override = {STORAGE: f"http://127.0.0.1:{proxy.port}"}
        with session_for(endpoint, admin, storage_proxy_address_map=override) as s:
            vf = s.VFolder(folder)
            if direction == "upload":
                vf.upload([src], basedir=tmp_path, chunk_size=16 * 2**20)
            else:
                with session_for(endpoint, admin) as direct:
                    direct.VFolder(folder).upload([src], basedir=tmp_path)
            out = tmp_path / "out"
            vf.download(["blob.bin"], basedir=out)
        assert proxy.cuts == 1
        assert "interrupted" in caplog.text and "resuming" in caplog.text
        assert sha256(out / "blob.bin") == sha256(src)
        assert [p.name for p in out.iterdir()] == ["blob.bin"]
    finally:
        proxy.close()


def test_share_with_another_user_and_clone(
    endpoint: str,
    admin_session: Session,
    admin: Account,
    user: Account,
    folder: str,
    tmp_path: Path,
    server_line: str,
) -> None:
    if not user.access_key:
        pytest.skip("no second user configured (AIBC_USER_ACCESS_KEY)")
    (tmp_path / "shared.txt").write_text("for the other user\n")
    vf = admin_session.VFolder(folder)
    vf.upload(["shared.txt"], basedir=tmp_path)
    invited = vf.invite("ro", [user.email])
    assert invited.invited_ids
    with session_for(endpoint, user) as us:
        pending = [i for i in us.VFolder.invitations() if i.vfolder_name == folder]
        assert pending, "the invitation did not arrive"
        us.VFolder.accept_invitation(str(pending[0].id))
        assert folder in [f.name for f in us.VFolder.list()]
        (got,) = us.VFolder(folder).download(["shared.txt"], basedir=tmp_path / "user")
        assert got.read_text() == "for the other user\n"
        if server_line == "26.09":  # 26.9.6 wants a permission no invitee has (a server bug)
            with pytest.raises(PermissionDeniedError, match="HARD_DELETE"):
                us.VFolder(folder).leave()
        else:
            us.VFolder(folder).leave()
            assert folder not in [f.name for f in us.VFolder.list()]

    vf.update_options(cloneable=True)
    clone_name = f"{folder}-clone"
    events: list[str] = []
    try:
        cloned = vf.clone(clone_name, target_host=HOST, progress=lambda p: events.append(p.event))
        assert cloned.name == clone_name
        assert events and events[-1] in ("bgtask_done", "task_done")
        names = [i.name for i in admin_session.VFolder(clone_name).list_files(".").items or []]
        assert "shared.txt" in names
    finally:
        with contextlib.suppress(BackendAPIError):
            admin_session.VFolder(clone_name).delete()


def test_mounted_folder_is_readable_from_a_compute_session(
    admin_session: Session, folder: str, tmp_path: Path
) -> None:
    (tmp_path / "hello.txt").write_text("read me from the kernel")
    admin_session.VFolder(folder).upload(["hello.txt"], basedir=tmp_path)
    cs = admin_session.ComputeSession.get_or_create("python", mounts=[folder], no_reuse=True)
    try:
        code = f"print(open('/home/work/{folder}/hello.txt').read())"
        result = cs.execute(code=code)
        while result.status == "continued":
            result = cs.execute(run_id=result.run_id, code="", mode="continue")
        out = "".join(str(item[1]) for item in (result.console or []) if item[0] == "stdout")
        assert "read me from the kernel" in out
    finally:
        cs.destroy()


def test_many_files_move_concurrently_and_a_missing_one_fails_alone(
    admin_session: Session,
    folder: str,
    tmp_path: Path,
    server_line: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A directory of small files goes up and comes back byte-identical, several at once; a
    download list with one missing file still brings every other file. 26.09 sends the files
    that exist as one zip archive of just them; 24.09 zips only directories: each directory
    whose every file is asked for comes as its archive."""
    src = tmp_path / "src"
    files = {f"many/d{i % 4}/f{i:03d}.bin": os.urandom(20_000) for i in range(60)}
    for rel, data in files.items():
        p = src.joinpath(*rel.split("/"))
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    vf = admin_session.VFolder(folder)
    # 4 at once, the default: more uploads than a small storage proxy has threads can stop it
    # for good (docs/reliability.md); downloads take no thread for long.
    written = vf.upload([src / "many"], basedir=src, max_parallel=4)
    assert sorted(written) == sorted(files)

    out = tmp_path / "out"
    missing = "many/not-there.bin"
    caplog.set_level(logging.DEBUG, logger="ai_backend_client")
    with pytest.raises(PartialTransferError) as info:
        vf.download([*sorted(files), missing], basedir=out, max_parallel=8)
    assert list(info.value.failed) == [missing] and not info.value.skipped
    assert sorted(info.value.completed) == sorted(files)
    for rel, data in files.items():
        assert out.joinpath(*rel.split("/")).read_bytes() == data, rel
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == sorted(files)
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]  # no spool, no partial
    if server_line == "26.09":  # one archive of just the files asked for
        assert f"downloading {len(files)} named files as one zip archive (" in caplog.text
    else:  # each directory, all of whose files were asked for, as its archive
        for d in range(4):
            want = f"downloading 15 named files as one zip archive of the directory 'many/d{d}'"
            assert want in caplog.text
    assert "one by one" not in caplog.text  # no archive failed over to file by file


def test_a_remote_directory_comes_down_with_its_tree(
    admin_session: Session, folder: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A directory of many small files comes down as one zip archive, a directory of a few
    files file by file; both land byte-identical at their paths, empty directories included,
    and nothing temporary is left behind. The CLI does the same (``download`` and ``cp``)."""
    src = tmp_path / "src"
    files = {f"many/d{i % 3}/f{i:02d}.bin": os.urandom(5_000 + i) for i in range(24)}
    files |= {"few/a.bin": os.urandom(300_000), "few/sub/b.txt": b"b\n"}
    for rel, data in files.items():
        p = src.joinpath(*rel.split("/"))
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    vf = admin_session.VFolder(folder)
    vf.upload([src / "many", src / "few"], basedir=src)
    vf.mkdir("many/empty/inner")

    out = tmp_path / "out"
    caplog.set_level(logging.DEBUG, logger="ai_backend_client")
    written = vf.download(["many", "few"], basedir=out)
    assert sorted(written) == sorted(out.joinpath(*rel.split("/")) for rel in files)
    for rel, data in files.items():
        assert out.joinpath(*rel.split("/")).read_bytes() == data, rel
    assert (out / "many" / "empty" / "inner").is_dir()
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]
    assert "downloading 'many' as one zip archive (24 files" in caplog.text
    assert "'few' as one zip archive" not in caplog.text  # two files: one by one
    assert "one by one" not in caplog.text  # the archive did not fail over to file by file

    # The CLI: `download` of a directory, and `cp` of one into a local directory.
    cli_out = tmp_path / "cli"
    down = bai("--output", "json", "vfolder", "download", folder, "many", "-b", str(cli_out))
    assert down.returncode == 0, down.stderr
    assert len(json.loads(down.stdout)["files"]) == 24
    assert all(
        cli_out.joinpath(*rel.split("/")).read_bytes() == data
        for rel, data in files.items()
        if rel.startswith("many/")
    )
    again = bai("vfolder", "download", folder, "many", "-b", str(cli_out))
    assert again.returncode == 1 and "already exists" in again.stderr, again.stderr
    cp_out = tmp_path / "cp"
    cp_out.mkdir()
    cp = bai("vfolder", "cp", f"{folder}:few", str(cp_out))
    assert cp.returncode == 0, cp.stderr
    assert (cp_out / "few" / "sub" / "b.txt").read_bytes() == b"b\n"
    assert (cp_out / "few" / "a.bin").read_bytes() == files["few/a.bin"]
    # "." is the whole folder, into the base directory itself
    whole = tmp_path / "whole"
    vf.download(["."], basedir=whole)
    assert all(whole.joinpath(*rel.split("/")).read_bytes() == d for rel, d in files.items())
    assert sorted(p.name for p in whole.iterdir()) == ["few", "many"]


def test_cp_puts_each_source_under_the_remote_directory_and_back(
    admin_session: Session, folder: str, tmp_path: Path
) -> None:
    """``backend.ai vfolder cp``, scp-like: a file, a symlink to a file and a directory land
    under ``FOLDER:DIR`` by their own names (as they are in the folder's listing), and come
    back into a local directory byte-identical."""
    src = tmp_path / "src"
    (src / "tree" / "sub").mkdir(parents=True)
    files = {"one.txt": b"one\n", "tree/a.bin": os.urandom(70_000), "tree/sub/b.txt": b"b\n"}
    for rel, data in files.items():
        src.joinpath(*rel.split("/")).write_bytes(data)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "target.txt").write_bytes(b"through a link\n")
    (src / "link.txt").symlink_to(elsewhere / "target.txt")

    sources = [str(src / "one.txt"), str(src / "link.txt"), str(src / "tree")]
    up = bai("--output", "json", "vfolder", "cp", *sources, f"{folder}:in/deep")
    assert up.returncode == 0, up.stderr
    expected = [
        "in/deep/one.txt",
        "in/deep/link.txt",
        "in/deep/tree/a.bin",
        "in/deep/tree/sub/b.txt",
    ]
    assert sorted(json.loads(up.stdout)["files"]) == sorted(expected)
    listed = admin_session.VFolder(folder).list_files("in/deep/tree/sub")
    assert [f.name for f in listed.items] == ["b.txt"]
    # To the root; a link to a file elsewhere is taken as the link (it once failed here as
    # "outside the base directory").
    root = bai("vfolder", "cp", str(src / "one.txt"), str(src / "link.txt"), f"{folder}:")
    assert root.returncode == 0, root.stderr
    top = admin_session.VFolder(folder).list_files(".")
    assert sorted(f.name for f in top.items) == ["in", "link.txt", "one.txt"]
    # A missing source is found before anything moves: the good one before it is not sent.
    bad = bai("vfolder", "cp", str(src / "one.txt"), str(src / "nope"), f"{folder}:x")
    assert bad.returncode == 1 and "no such file or directory" in bad.stderr, bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr
    top = admin_session.VFolder(folder).list_files(".")
    assert sorted(f.name for f in top.items) == ["in", "link.txt", "one.txt"]

    out = tmp_path / "out"
    out.mkdir()
    remotes = [f"{folder}:in/deep/tree/a.bin", f"{folder}:in/deep/link.txt", f"{folder}:one.txt"]
    down = bai("vfolder", "cp", *remotes, str(out))
    assert down.returncode == 0, down.stderr
    assert (out / "a.bin").read_bytes() == files["tree/a.bin"]
    assert (out / "link.txt").read_bytes() == b"through a link\n"
    assert (out / "one.txt").read_bytes() == files["one.txt"]
    assert sorted(p.name for p in out.iterdir()) == ["a.bin", "link.txt", "one.txt"]


def test_not_found_carries_the_servers_title_and_message(admin_session: Session) -> None:
    # The manager sends a vfolder 404 as {"title": "No such virtual folder.", "data": <name>}
    # without "msg" (both lines); the name is the message.
    name = f"aibc-it-missing-{secrets.token_hex(4)}"
    with pytest.raises(NotFoundError) as caught:
        admin_session.VFolder(name).info()
    assert caught.value.title == "No such virtual folder."
    assert caught.value.message == name
    assert name in str(caught.value)
