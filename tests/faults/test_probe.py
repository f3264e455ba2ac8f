"""Version negotiation across several endpoints: the probe fails over like every request."""

from __future__ import annotations

import pytest

from ._cluster import Cluster
from ._helpers import SDK_MODES, closed_port, make_config, run


@pytest.mark.fault(
    "the probe fails over to the second endpoint and negotiates v6 with the 22.03 server"
)
@pytest.mark.parametrize("mode", SDK_MODES)
def test_first_endpoint_down_second_is_2203(mode: str) -> None:
    """Two endpoints; the first refuses connections, the second is a 22.03 manager."""
    old = Cluster(version="v6.20220315")
    try:
        endpoints = [f"http://127.0.0.1:{closed_port()}", old.url]

        def probe(s: object) -> tuple[str, str]:
            return str(s.api_version), s.server_info.get("version", "")  # type: ignore[attr-defined]

        api, server_version = run(mode, make_config(endpoints), probe)
        assert (api, server_version) == ("v6.20220315", "v6.20220315")
    finally:
        old.stop()


@pytest.mark.fault("opening the session is a BackendConnectionError, not a silent guess of v8")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_no_endpoint_answers_the_probe(mode: str) -> None:
    """No configured endpoint answers the version probe."""
    from ai_backend_client.exceptions import BackendConnectionError

    endpoints = [f"http://127.0.0.1:{closed_port()}", f"http://127.0.0.1:{closed_port()}"]
    with pytest.raises(BackendConnectionError):
        run(mode, make_config(endpoints), lambda s: None)
