"""One-time initialisation: database cluster, schema, fixtures, etcd keys, image, vfolder hosts.

Every step first asks the data whether it is already done (not a marker file), so a second
``up`` does nothing here and a half-finished first run is completed.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
from pathlib import Path

from . import settings as S
from .settings import Layout
from .util import StackError, capture, run, say

MGR_TIMEOUT = 300


def pg_env() -> dict[str, str]:
    return dict(os.environ, PGPASSWORD=S.PG_PASSWORD, PGCONNECT_TIMEOUT="5")


def psql(sql: str, db: str = S.PG_DB, timeout: float = 30) -> str:
    argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", S.HOST, "-p", str(S.PG_PORT),
            "-U", S.PG_USER, "-d", db, "-tA", "-c", sql]  # fmt: skip
    rc, out, err = capture(argv, timeout=timeout, env=pg_env())
    if rc != 0:
        raise StackError(f"psql failed ({rc}): {err.strip() or out.strip()}\n  SQL: {sql[:300]}")
    return out.strip()


def pg_ready() -> bool:
    try:
        return psql("select 1", db="postgres", timeout=10) == "1"
    except StackError:
        return False


def initdb(lay: Layout) -> None:
    """Create the PostgreSQL cluster (owned by the ``postgres`` system user) once."""
    if (lay.pgdata / "PG_VERSION").exists():
        return
    pw = pwd.getpwnam("postgres")
    if lay.pgdata.exists():
        shutil.rmtree(lay.pgdata)  # a half-made cluster from an interrupted run
    lay.pgdata.mkdir(mode=0o700)
    os.chown(lay.pgdata, pw.pw_uid, pw.pw_gid)
    pwfile = lay.run / "pg-password"
    pwfile.write_text(S.PG_PASSWORD + "\n")
    os.chown(pwfile, pw.pw_uid, pw.pw_gid)
    os.chmod(pwfile, 0o600)
    log = lay.logs / "initdb.log"
    say("   initdb")
    try:
        with open(log, "ab") as out:
            proc = subprocess.run(
                [str(S.PG_BIN / "initdb"), "-D", str(lay.pgdata), "-U", S.PG_USER, "--auth=md5",
                 f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8"],
                cwd=lay.pgdata, user="postgres", stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, timeout=180,
            )  # fmt: skip
    finally:
        pwfile.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise StackError("initdb failed", log)


class Manager:
    """``backend.ai mgr ...`` from the services venv (each call costs ~2-3 s of start-up)."""

    def __init__(self, lay: Layout) -> None:
        self.lay = lay
        self.log = lay.logs / "init.log"

    def __call__(self, *args: str) -> None:
        argv = [
            str(self.lay.venv / "bin" / "backend.ai"),
            "mgr",
            "-f",
            str(self.lay.etc / "manager.toml"),
            *args,
        ]
        env = dict(os.environ, DOCKER_HOST=self.lay.docker_host)
        # The etcd client (a Rust extension) has been seen to segfault at interpreter exit after
        # finishing its work: 139 is accepted here and every step is verified afterwards.
        rc = run(argv, log=self.log, timeout=MGR_TIMEOUT, cwd=self.lay.etc, env=env,
                 ok_codes=(0, 139), what=f"backend.ai mgr {' '.join(args[:2])}")  # fmt: skip
        if rc == 139:
            with open(self.log, "a") as f:
                f.write("(exit 139 at interpreter exit; verifying the result instead)\n")


def rpc_keypair(lay: Layout, mgr: Manager) -> None:
    if (lay.etc / "manager.key_secret").exists():
        return
    mgr_bin = str(lay.venv / "bin" / "backend.ai")
    run([mgr_bin, "mgr", "generate-rpc-keypair", str(lay.etc), "manager"], log=mgr.log, timeout=MGR_TIMEOUT,
        cwd=lay.etc, env=dict(os.environ, DOCKER_HOST=lay.docker_host), what="generate-rpc-keypair")  # fmt: skip
    if not (lay.etc / "manager.key_secret").exists():
        raise StackError("generate-rpc-keypair made no manager.key_secret", mgr.log)


# Whether a fixture's rows are present: one query per fixture, true when done.
FIXTURE_DONE = {
    "example-container-registries-harbor": "select count(*) = 3 from container_registries where registry_name = 'cr.backend.ai'",
    "example-users": "select count(*) = 1 from users where email = 'monitor@lablup.com'",
    "example-keypairs": "select count(*) = 1 from keypairs where access_key = 'AKIANAMONITOREXAMPLE'",
    "example-set-user-main-access-keys": "select count(*) = 1 from users where email = 'monitor@lablup.com' and main_access_key = 'AKIANAMONITOREXAMPLE'",
    "example-resource-presets": "select count(*) = 1 from resource_presets where name = 'cuda03-large'",
}

IMAGE_LABELS = {
    "ai.backend.kernelspec": "1",
    "ai.backend.features": "batch query uid-match user-input",
    "ai.backend.base-distro": "ubuntu20.04",
    "ai.backend.resource.min.cpu": "1",
    "ai.backend.resource.min.mem": "256m",
    "ai.backend.runtime-type": "python",
    "ai.backend.runtime-path": "/usr/bin/python3",
    "ai.backend.service-ports": "ipython:pty:3000,jupyter:http:8081",
}
IMAGE_RESOURCES = {"cpu": {"min": "1", "max": None}, "mem": {"min": "256m", "max": None}}


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def database(lay: Layout) -> None:
    mgr = Manager(lay)
    if (
        psql(f"select count(*) from pg_database where datname = {_q(S.PG_DB)}", db="postgres")
        != "1"
    ):
        say(f"   create database {S.PG_DB}")
        psql(f"create database {S.PG_DB}", db="postgres")
    rpc_keypair(lay, mgr)

    if psql("select to_regclass('public.alembic_version') is not null") != "t":
        say("   schema oneshot")
        mgr("schema", "oneshot", "-f", str(lay.etc / "alembic.ini"))
        if psql("select to_regclass('public.alembic_version') is not null") != "t":
            raise StackError("schema oneshot left no alembic_version table", mgr.log)

    for name in S.FIXTURES:
        if psql(FIXTURE_DONE[name]) == "t":
            continue
        say(f"   fixture {name}")
        mgr("fixture", "populate", str(lay.fixtures / f"{name}.json"))
        if psql(FIXTURE_DONE[name]) != "t":
            raise StackError(f"fixture {name} did not load", mgr.log)

    # The vfolder host, with every permission, for the default domain and its groups.
    hosts = _q(json.dumps({S.VFOLDER_HOST: S.VFOLDER_PERMISSIONS}))
    has_host = f"allowed_vfolder_hosts::jsonb ? {_q(S.VFOLDER_HOST)}"
    psql(
        f"update domains set allowed_vfolder_hosts = {hosts} where name = 'default' and not ({has_host})"
    )
    psql(
        f"update groups set allowed_vfolder_hosts = {hosts} where domain_name = 'default' and not ({has_host})"
    )

    # Images cannot be rescanned offline: register the one image the dummy agent "has".
    registry, _, rest = S.IMAGE.partition("/")
    image, _, tag = rest.partition(":")
    project = image.split("/", 1)[0]
    if psql(f"select count(*) from images where name = {_q(S.IMAGE)}") == "0":
        say(f"   image {S.IMAGE}")
        psql(
            "insert into images (name, project, image, tag, registry, registry_id, architecture,"
            " config_digest, size_bytes, is_local, type, accelerators, labels, resources)"
            f" select {_q(S.IMAGE)}, {_q(project)}, {_q(image)}, {_q(tag)}, {_q(registry)}, id,"
            f" {_q(S.ARCH)}, 'sha256:{'0' * 63}1', 1000000, false, 'COMPUTE', null,"
            f" {_q(json.dumps(IMAGE_LABELS))}, {_q(json.dumps(IMAGE_RESOURCES))}"
            f" from container_registries where url = {_q('https://' + registry)} and project = {_q(project)}"
        )
    if psql(f"select count(*) from image_aliases where alias = {_q(S.IMAGE_ALIAS)}") == "0":
        say(f"   image alias {S.IMAGE_ALIAS}")
        mgr("image", "alias", S.IMAGE_ALIAS, S.IMAGE, S.ARCH)
        if psql(f"select count(*) from image_aliases where alias = {_q(S.IMAGE_ALIAS)}") == "0":
            raise StackError("image alias was not created", mgr.log)


def etcd_get(key: str) -> str | None:
    argv = ["etcdctl", f"--endpoints=http://{S.HOST}:{S.ETCD_PORT}", "--dial-timeout=3s",
            "--command-timeout=5s", "get", "--print-value-only", key]  # fmt: skip
    rc, out, _ = capture(argv, timeout=15, env=dict(os.environ, ETCDCTL_API="3"))
    return out.strip() if rc == 0 and out.strip() else None


def etcd_prefix() -> str:
    return f"/sorna/{S.ETCD_NAMESPACE}"


def etcd(lay: Layout) -> None:
    mgr = Manager(lay)
    wanted = {
        "config": (lay.etc / "etcd.config.json", f"{etcd_prefix()}/config/redis/addr"),
        "volumes": (lay.etc / "etcd.volumes.json", f"{etcd_prefix()}/volumes/default_host"),
    }
    for scope, (path, probe) in wanted.items():
        if etcd_get(probe) is not None:
            continue
        say(f"   etcd put-json {scope}")
        mgr("etcd", "put-json", scope, str(path))
        if etcd_get(probe) is None:
            raise StackError(f"etcd key {probe} missing after put-json {scope}", mgr.log)


def agent_alive() -> bool:
    try:
        return psql(f"select status from agents where id = {_q(S.AGENT_ID)}") == "ALIVE"
    except StackError:
        return False


def copy_fixtures(lay: Layout, src: Path) -> None:
    from .util import write_if_changed

    for name in S.FIXTURES:
        write_if_changed(lay.fixtures / f"{name}.json", (src / f"{name}.json").read_text())
