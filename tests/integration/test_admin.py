"""Administration over GraphQL and the manager REST API against a real 24.09 manager.

Everything a test creates is removed in a ``finally``; a frozen manager is always unfrozen.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from ai_backend_client import APIConfig, AsyncSession, Session
from ai_backend_client._graphql import GraphQLPermissionError, GraphQLValidationError
from ai_backend_client.exceptions import BackendAPIError, PermissionDeniedError

from .conftest import Account


def _config(endpoint: str, account: Account, **kw: Any) -> APIConfig:
    return APIConfig(
        endpoint=endpoint,
        endpoint_type="api",
        access_key=account.access_key,
        secret_key=account.secret_key,
        **kw,
    )


def _name(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


@pytest.fixture
def admin_session(endpoint: str, admin: Account) -> Iterator[Session]:
    with Session(config=_config(endpoint, admin)) as session:
        yield session


@pytest.fixture
def user_session(endpoint: str, user: Account) -> Iterator[Session]:
    with Session(config=_config(endpoint, user)) as session:
        yield session


def test_agents_list_shows_the_dummy_agent_with_slots(admin_session: Session) -> None:
    page = admin_session.Agent.paginated_list(status="ALIVE")
    assert page.total_count >= 1
    agent = next(a for a in page.items if a.id == "i-dummy-agent")
    assert isinstance(agent.available_slots, dict)  # JSONString decoded
    assert {"cpu", "mem"} <= set(agent.available_slots)
    assert [a.id for a in admin_session.Agent.iter_all(page_size=1)].count("i-dummy-agent") == 1
    detail = admin_session.Agent.detail("i-dummy-agent", fields=["id", "status", "available_slots"])
    assert detail.status == "ALIVE"
    assert detail.available_slots == agent.available_slots


def test_v6_documents_against_the_same_server(endpoint: str, admin: Account) -> None:
    with Session(config=_config(endpoint, admin, version="v6.20220315")) as session:
        assert str(session.api_version) == "v6.20220315"
        page = session.Agent.paginated_list()
        assert any(a.id == "i-dummy-agent" for a in page.items)
        assert session.KeyPair(admin.access_key).info().is_admin


def test_keypair_lifecycle(admin_session: Session, user: Account) -> None:
    created = admin_session.KeyPair.create(user.email, resource_policy="default", rate_limit=1000)
    assert created.keypair is not None and created.keypair.access_key
    access_key = created.keypair.access_key
    try:
        mine = admin_session.KeyPair.list(user_id=user.email)
        assert access_key in {k.access_key for k in mine}
        admin_session.KeyPair.deactivate(access_key)
        assert admin_session.KeyPair(access_key).info().is_active is False
        inactive = admin_session.KeyPair.paginated_list(is_active=False, page_size=100)
        assert access_key in {k.access_key for k in inactive.items}
        admin_session.KeyPair.activate(access_key)
        assert admin_session.KeyPair(access_key).info().is_active is True
    finally:
        admin_session.KeyPair.delete(access_key)
    assert access_key not in {k.access_key for k in admin_session.KeyPair.list(user_id=user.email)}


def test_scaling_group_with_a_domain(admin_session: Session) -> None:
    name = _name("it-sg")
    admin_session.ScalingGroup.create(name, description="integration", driver_opts={"x": "y"})
    try:
        admin_session.ScalingGroup.associate_domain(name, "default")
        assert name in {g.name for g in admin_session.ScalingGroup.list()}
        detail = admin_session.ScalingGroup.detail(name)
        assert detail.driver_opts == {"x": "y"}
        group = admin_session.Group.list("default")[0]
        assert group.id is not None
        admin_session.ScalingGroup.associate_group(name, group.id)
        admin_session.ScalingGroup.dissociate_group(name, group.id)
        admin_session.ScalingGroup.dissociate_domain(name, "default")
    finally:
        admin_session.ScalingGroup.delete(name)
    assert name not in {g.name for g in admin_session.ScalingGroup.list()}


def test_user_and_group_created_and_removed(admin_session: Session) -> None:
    email = _name("it-user") + "@example.com"
    group_name = _name("it-group")
    created = admin_session.Group.create("default", group_name, description="integration")
    assert created.group is not None and created.group.id is not None
    gid = created.group.id
    try:
        user = admin_session.User.create(
            "default", email, secrets.token_urlsafe(12), group_ids=[gid]
        )
        assert user.user is not None and user.user.email == email
        try:
            detail = admin_session.User.detail(email)
            assert detail.groups is not None
            assert gid in {g.id for g in detail.groups if g is not None}
            admin_session.User.update(email, full_name="Integration Test")
            assert admin_session.User.detail(email).full_name == "Integration Test"
            listed = admin_session.User.paginated_list(group=gid, page_size=10)
            assert [u.email for u in listed.items] == [email]
        finally:
            admin_session.User.delete(email)
            admin_session.User.purge(email)
        with pytest.raises(BackendAPIError):
            admin_session.User.detail(email)
    finally:
        admin_session.Group.delete(gid)
        admin_session.Group.purge(gid)
    assert group_name not in {g.name for g in admin_session.Group.list("default")}


def test_normal_user_gets_a_typed_permission_error(user_session: Session) -> None:
    with pytest.raises(GraphQLPermissionError) as caught:
        user_session.Agent.paginated_list()
    assert isinstance(caught.value, PermissionDeniedError)
    assert caught.value.errors and caught.value.errors[0]["path"] == ["agent_list"]
    with pytest.raises(GraphQLPermissionError):
        user_session.ScalingGroup.create(_name("it-denied"))
    with pytest.raises(PermissionDeniedError):
        user_session.Admin.query("query { users { email } }")


def test_admin_query_validates_before_sending(admin_session: Session) -> None:
    data = admin_session.Admin.query(
        "query($ak: String) { keypair(access_key: $ak) { access_key } }",
        {"ak": admin_session.config.access_key},
    )
    assert data["keypair"]["access_key"] == admin_session.config.access_key
    with pytest.raises(GraphQLValidationError, match="nme"):
        admin_session.Admin.query("query { domains { nme } }")
    with pytest.raises(GraphQLValidationError, match=r"\$ak"):
        admin_session.Admin.query("query($ak: String!) { keypair(access_key: $ak) { access_key } }")


def test_freeze_blocks_session_creation_until_unfrozen(admin_session: Session) -> None:
    admin_session.Manager.freeze()
    try:
        assert admin_session.Manager.status().status == "frozen"
        with pytest.raises(BackendAPIError) as caught:
            admin_session.ComputeSession.get_or_create("python", name=_name("it-frozen"))
        assert caught.value.slug == "server-frozen"
    finally:
        admin_session.Manager.unfreeze()
    assert admin_session.Manager.status().status == "running"
    kernel = admin_session.ComputeSession.get_or_create("python", name=_name("it-thawed"))
    try:
        assert kernel.id is not None
    finally:
        kernel.destroy()


def test_announcement_round_trip(admin_session: Session) -> None:
    before = admin_session.Manager.get_announcement()
    try:
        admin_session.Manager.update_announcement(enabled=True, message="integration test")
        now = admin_session.Manager.get_announcement()
        assert now.enabled and now.message == "integration test"
    finally:
        admin_session.Manager.update_announcement(
            enabled=bool(before.enabled), message=before.message
        )


async def test_async_pagination_and_resources(endpoint: str, admin: Account) -> None:
    async with AsyncSession(config=_config(endpoint, admin)) as session:
        ids = [a.id async for a in session.Agent.iter_all(page_size=1)]
        assert "i-dummy-agent" in ids
        assert (await session.Resource.get_resource_slots())["cpu"] == "count"
        assert any(p.name for p in await session.Resource.list())
        volumes = [v.id async for v in session.Storage.iter_all()]
        assert volumes
