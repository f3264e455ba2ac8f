"""``backend.ai admin``: the administrative command set of the 22.03 CLI.

Each subgroup lives in its own module and is imported only when used (``LazyGroup``); the SDK is
imported only when a command opens a session.
"""

from __future__ import annotations

from .._group import LazyEntry, LazyGroup

__all__ = ["admin"]

_M = "ai_backend_client.cli.admin"

admin: LazyGroup = LazyGroup(
    name="admin",
    help="Administrative command set",
    lazy_subcommands={
        "agent": LazyEntry(f"{_M}.agent:agent", "Agent administration commands."),
        "announcement": LazyEntry(
            f"{_M}.manager:announcement", "Global announcement related commands"
        ),
        "domain": LazyEntry(f"{_M}.domain:domain", "Domain administration commands."),
        "etcd": LazyEntry(f"{_M}.etcd:etcd", "etcd query and manipulation commands."),
        "group": LazyEntry(f"{_M}.group:group", "User group (project) administration commands"),
        "image": LazyEntry(f"{_M}.image:image", "Image administration commands."),
        "keypair": LazyEntry(f"{_M}.keypair:keypair", "KeyPair administration commands."),
        "keypair-resource-policy": LazyEntry(
            f"{_M}.keypair:keypair_resource_policy",
            "KeyPair resource policy administration commands.",
        ),
        "license": LazyEntry(f"{_M}.license:license_", "License administration commands."),
        "manager": LazyEntry(f"{_M}.manager:manager", "Set of manager control operations."),
        "resource": LazyEntry(f"{_M}.resource:resource", "Resource administration commands."),
        "scaling-group": LazyEntry(
            f"{_M}.scaling_group:scaling_group",
            "Scaling group (resource group) administration commands.",
        ),
        "session": LazyEntry(f"{_M}.session:session", "Session administration commands."),
        "storage": LazyEntry(f"{_M}.storage:storage", "Storage proxy administration commands."),
        "user": LazyEntry(f"{_M}.user:user", "User administration commands."),
        "vfolder": LazyEntry(f"{_M}.storage:vfolder", "VFolder administration commands."),
        "watcher": LazyEntry(f"{_M}.watcher:watcher", "Agent watcher commands."),
    },
)
