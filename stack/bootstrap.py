"""One-time initialisation: database cluster, schema, fixtures, etcd keys, image, vfolder hosts.

Every step first asks the data whether it is already done (not a marker file), so a second
``up`` does nothing here and a half-finished first run is completed.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
from pathlib import Path

from . import settings as S
from .settings import Layout
from .util import StackError, capture, run, say

MGR_TIMEOUT = 300
SEGFAULT = (-signal.SIGSEGV, 128 + signal.SIGSEGV)


def pg_env() -> dict[str, str]:
    return dict(os.environ, PGPASSWORD=S.PG_PASSWORD, PGCONNECT_TIMEOUT="5")


def _psql_argv(lay: Layout, db: str) -> list[str]:
    return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", S.HOST, "-p", str(lay.ports.pg),
            "-U", S.PG_USER, "-d", db, "-tA"]  # fmt: skip


def psql(lay: Layout, sql: str, db: str = S.PG_DB, timeout: float = 30) -> str:
    rc, out, err = capture([*_psql_argv(lay, db), "-c", sql], timeout=timeout, env=pg_env())
    if rc != 0:
        raise StackError(f"psql failed ({rc}): {err.strip() or out.strip()}\n  SQL: {sql[:300]}")
    return out.strip()


def psql_file(lay: Layout, path: Path, log: Path) -> None:
    """Run an SQL file (in one transaction), output to ``log``."""
    run([*_psql_argv(lay, S.PG_DB), "-1", "-f", str(path)], log=log, timeout=120, env=pg_env(),
        what=f"psql -f {path.name}")  # fmt: skip


def pg_ready(lay: Layout) -> bool:
    try:
        return psql(lay, "select 1", db="postgres", timeout=10) == "1"
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

    def __call__(self, *args: str, config: bool = True) -> None:
        argv = [str(self.lay.venv / "bin" / "backend.ai"), "mgr"]
        if config:
            argv += ["-f", str(self.lay.etc / "manager.toml")]
        env = dict(os.environ, DOCKER_HOST=self.lay.docker_host)
        # The etcd client (a Rust extension) has been seen to segfault at interpreter exit after
        # finishing its work: SIGSEGV (-11 here, 139 through a shell) is accepted, and every step
        # is verified afterwards.
        rc = run([*argv, *args], log=self.log, timeout=MGR_TIMEOUT, cwd=self.lay.etc, env=env,
                 ok_codes=(0, *SEGFAULT), what=f"backend.ai mgr {' '.join(args[:2])}")  # fmt: skip
        if rc in SEGFAULT:
            with open(self.log, "a") as f:
                f.write(f"(exit {rc}: a crash at interpreter exit; verifying the result instead)\n")


def rpc_keypair(lay: Layout, mgr: Manager) -> None:
    if (lay.etc / "manager.key_secret").exists():
        return
    mgr("generate-rpc-keypair", str(lay.etc), "manager", config=False)
    if not (lay.etc / "manager.key_secret").exists():
        raise StackError("generate-rpc-keypair made no manager.key_secret", mgr.log)


# Whether a fixture is loaded: one query per fixture (both lines), true when its last table holds
# its last row (the manager loads tables in file order and may stop half-way).
FIXTURE_DONE = {
    "example-container-registries-harbor": "select count(*) = 3 from container_registries where registry_name = 'cr.backend.ai'",
    "example-users": "select exists(select 1 from association_groups_users where group_id = '8e32dd28-d319-4e3b-8851-ea37837699a5' and user_id = '2e10157d-20ca-4bd0-9806-3f909cbcd0e6')",
    "example-keypairs": "select count(*) = 1 from keypairs where access_key = 'AKIANAMONITOREXAMPLE'",
    "example-set-user-main-access-keys": "select count(*) = 1 from users where email = 'monitor@lablup.com' and main_access_key = 'AKIANAMONITOREXAMPLE'",
    "example-resource-presets": "select count(*) = 1 from resource_presets where name = 'cuda03-large'",
    "example-resource-slot-types": "select exists(select 1 from resource_slot_types where slot_name = 'hyperaccel-lpu.device')",
    "example-runtime-variants": "select exists(select 1 from runtime_variants where name = 'custom')",
    "example-runtime-variant-presets": "select exists(select 1 from runtime_variant_presets where name = 'hf-token-env')",
    "example-login-client-types": "select exists(select 1 from login_client_types where name = 'webui')",
    "personal-projects": "select exists(select 1 from association_groups_users where group_id = 'fedd2a59-52d7-5a38-b4d3-828d1755b0a0')",
}


def _fixture_done(lay: Layout, name: str) -> bool:
    return psql(lay, FIXTURE_DONE[name]) == "t"


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
    has_db = f"select count(*) from pg_database where datname = {_q(S.PG_DB)}"
    if psql(lay, has_db, db="postgres") != "1":
        say(f"   create database {S.PG_DB}")
        psql(lay, f"create database {S.PG_DB}", db="postgres")
    rpc_keypair(lay, mgr)

    has_schema = "select to_regclass('public.alembic_version') is not null"
    if psql(lay, has_schema) != "t":
        say("   schema oneshot")
        mgr("schema", "oneshot", "-f", str(lay.etc / "alembic.ini"))
        if psql(lay, has_schema) != "t":
            raise StackError("schema oneshot left no alembic_version table", mgr.log)

    for name in lay.line.fixtures:
        if _fixture_done(lay, name):
            continue
        say(f"   fixture {name}")
        mgr("fixture", "populate", str(lay.fixtures / f"{name}.json"))
        if not _fixture_done(lay, name):
            raise StackError(f"fixture {name} did not load", mgr.log)
    if lay.line.rbac:
        role_presets(lay, mgr)

    # The vfolder host, with every permission, for the default domain and its groups.
    hosts = _q(json.dumps({S.VFOLDER_HOST: S.VFOLDER_PERMISSIONS}))
    has_host = f"allowed_vfolder_hosts::jsonb ? {_q(S.VFOLDER_HOST)}"
    psql(lay, f"update domains set allowed_vfolder_hosts = {hosts} where name = 'default' and not ({has_host})")  # fmt: skip
    psql(lay, f"update groups set allowed_vfolder_hosts = {hosts} where domain_name = 'default' and not ({has_host})")  # fmt: skip

    # Model services: the default resource group must accept inference sessions (the fixture's
    # scheduler_opts leave the manager's default, interactive and batch only).
    psql(
        lay,
        "update scaling_groups set scheduler_opts = jsonb_set(scheduler_opts,"
        " '{allowed_session_types}', '[\"interactive\", \"batch\", \"inference\"]')"
        " where name = 'default' and not (scheduler_opts -> 'allowed_session_types' ? 'inference')",
    )

    if lay.ports.appproxy_coordinator is not None:
        appproxy_database(lay)

    # Images cannot be rescanned offline: register the one image the dummy agent "has".
    registry, _, rest = S.IMAGE.partition("/")
    image, _, tag = rest.partition(":")
    project = image.split("/", 1)[0]
    if psql(lay, f"select count(*) from images where name = {_q(S.IMAGE)}") == "0":
        say(f"   image {S.IMAGE}")
        psql(
            lay,
            "insert into images (name, project, image, tag, registry, registry_id, architecture,"
            " config_digest, size_bytes, is_local, type, accelerators, labels, resources)"
            f" select {_q(S.IMAGE)}, {_q(project)}, {_q(image)}, {_q(tag)}, {_q(registry)}, id,"
            f" {_q(S.ARCH)}, 'sha256:{'0' * 63}1', 1000000, false, 'COMPUTE', null,"
            f" {_q(json.dumps(IMAGE_LABELS))}, {_q(json.dumps(IMAGE_RESOURCES))}"
            f" from container_registries where url = {_q('https://' + registry)} and project = {_q(project)}",
        )
    if lay.line.rbac:
        provision_roles(lay, mgr)
    has_alias = f"select count(*) from image_aliases where alias = {_q(S.IMAGE_ALIAS)}"
    if psql(lay, has_alias) == "0":
        say(f"   image alias {S.IMAGE_ALIAS}")
        mgr("image", "alias", S.IMAGE_ALIAS, S.IMAGE, S.ARCH)
        if psql(lay, has_alias) == "0":
            raise StackError("image alias was not created", mgr.log)


# 26.x enforces RBAC. Fixture rows get no roles and only "self" graph edges: without the roles a
# user may do nothing, without the containment edges (domain <- project, user; project <- user)
# `POST /session` answers "Invalid group (default)".
ROLES_DONE = "select exists(select 1 from user_roles)"


def role_presets(lay: Layout, mgr: Manager) -> None:
    """The role presets, rendered from the installed manager's role files and loaded as a fixture."""
    if psql(lay, "select exists(select 1 from role_presets)") == "t":
        return
    say("   role presets (mgr permissions emit)")
    out = lay.root / "emit"  # a stand-in for the upstream checkout it writes into
    rendered = out / "fixtures" / "manager" / "example-role-presets.json"
    rendered.parent.mkdir(parents=True, exist_ok=True)
    mgr("permissions", "emit", "--repository", str(out))
    if not rendered.exists():
        raise StackError(f"mgr permissions emit wrote no {rendered}", mgr.log)
    mgr("fixture", "populate", str(rendered))
    if psql(lay, "select exists(select 1 from role_presets)") != "t":
        raise StackError("role presets did not load", mgr.log)


def provision_roles(lay: Layout, mgr: Manager) -> None:
    if psql(lay, ROLES_DONE) == "t":
        return
    say("   RBAC graph edges, roles (mgr permissions provision)")
    psql_file(lay, lay.etc / "rbac-edges.sql", mgr.log)
    mgr("permissions", "provision")
    if psql(lay, ROLES_DONE) != "t":
        raise StackError("mgr permissions provision assigned no role", mgr.log)


def etcd_get(lay: Layout, key: str) -> str | None:
    argv = ["etcdctl", f"--endpoints=http://{S.HOST}:{lay.ports.etcd}", "--dial-timeout=3s",
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
        if etcd_get(lay, probe) is not None:
            continue
        say(f"   etcd put-json {scope}")
        mgr("etcd", "put-json", scope, str(path))
        if etcd_get(lay, probe) is None:
            raise StackError(f"etcd key {probe} missing after put-json {scope}", mgr.log)


def appproxy_database(lay: Layout) -> None:
    """The app proxy coordinator's own database and schema; the default resource group points at
    this line's coordinator (the fixture's wsproxy_addr, 127.0.0.1:5050, is 24.09's too)."""
    has_db = f"select count(*) from pg_database where datname = {_q(S.APPPROXY_DB)}"
    if psql(lay, has_db, db="postgres") != "1":
        say(f"   create database {S.APPPROXY_DB}")
        psql(lay, f"create database {S.APPPROXY_DB}", db="postgres")
    has_schema = "select to_regclass('public.alembic_version') is not null"
    if psql(lay, has_schema, db=S.APPPROXY_DB) != "t":
        say("   app proxy schema oneshot")
        log = lay.logs / "init.log"
        argv = [str(lay.venv / "bin" / "backend.ai"), "app-proxy-coordinator", "-f",
                str(lay.etc / "appproxy-coordinator.toml"), "schema", "oneshot", "-f",
                str(lay.etc / "alembic-appproxy.ini")]  # fmt: skip
        run(argv, log=log, timeout=MGR_TIMEOUT, cwd=lay.etc, what="app proxy schema oneshot")
        if psql(lay, has_schema, db=S.APPPROXY_DB) != "t":
            raise StackError("app proxy schema oneshot left no alembic_version table", log)
    address = _q(f"http://{S.HOST}:{lay.ports.appproxy_coordinator}")
    psql(
        lay,
        f"update scaling_groups set wsproxy_addr = {address}, wsproxy_api_token ="
        f" {_q(S.APPPROXY_API_TOKEN)} where name = 'default' and (wsproxy_addr is distinct from"
        f" {address} or wsproxy_api_token is distinct from {_q(S.APPPROXY_API_TOKEN)})",
    )


def appproxy_worker_registered(lay: Layout) -> bool:
    """The worker has announced itself to the coordinator (its row is ALIVE)."""
    sql = f"select status from workers where authority = {_q(S.APPPROXY_AUTHORITY)}"
    try:
        return psql(lay, sql, db=S.APPPROXY_DB) == "ALIVE"
    except StackError:
        return False


def agent_alive(lay: Layout) -> bool:
    try:
        return psql(lay, f"select status from agents where id = {_q(S.AGENT_ID)}") == "ALIVE"
    except StackError:
        return False
