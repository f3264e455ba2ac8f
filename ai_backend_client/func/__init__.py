"""The seed's function classes (``ComputeSession``, ``VFolder``, ``KeyPair``, ...).

Each class is written once, async, under ``_async/``; ``_sync/`` is derived from it by
``python -m codegen.unasync_func`` (checked by the codegen check). Sessions bind them:
``session.ComputeSession`` is a subclass of the class bound to that session.

``FUNCTION_CLASSES`` is the one list of them: the same command renders ``_bound.py`` from it,
which gives ``Session`` and ``AsyncSession`` one typed attribute per class.
"""

from __future__ import annotations

from typing import Final

#: attribute name on a session -> module under ``_async/`` and ``_sync/`` that defines it
FUNCTION_CLASSES: Final = {
    "Admin": "admin",
    "Agent": "agent",
    "AgentWatcher": "agent_watcher",
    "Auth": "auth",
    "BackgroundTask": "bgtask",
    "ComputeSession": "compute_session",
    "Deployment": "deployment",
    "Domain": "domain",
    "Dotfile": "dotfile",
    "EtcdConfig": "etcd_config",
    "Group": "group",
    "Image": "image",
    "KeyPair": "keypair",
    "KeyPairResourcePolicy": "keypair_resource_policy",
    "Manager": "manager",
    "Model": "model",
    "Resource": "resource",
    "ScalingGroup": "scaling_group",
    "Service": "service",
    "ServerLog": "server_log",
    "SessionTemplate": "session_template",
    "Storage": "storage",
    "System": "system",
    "User": "user",
    "VFolder": "vfolder",
}
