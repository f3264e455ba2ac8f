"""EtcdConfig against the real manager: set, read back (plain and by prefix), delete."""

from __future__ import annotations

import uuid

from ai_backend_client import APIConfig, Session

from .conftest import Account


def test_etcd_round_trip(endpoint: str, admin: Account) -> None:
    config = APIConfig(endpoint=endpoint, access_key=admin.access_key, secret_key=admin.secret_key)
    prefix = f"aibc-test-{uuid.uuid4().hex[:8]}"
    with Session(config=config) as session:
        try:
            session.EtcdConfig.set(f"{prefix}/x", {"a": "b", "c": {"d": "e"}})
            assert session.EtcdConfig.get(f"{prefix}/x/a") == "b"
            assert session.EtcdConfig.get(prefix, prefix=True) == {"x": {"a": "b", "c": {"d": "e"}}}
        finally:
            session.EtcdConfig.delete(prefix, prefix=True)
        assert session.EtcdConfig.get(prefix, prefix=True) == {}
        assert session.EtcdConfig.get(f"{prefix}/x/a") is None
