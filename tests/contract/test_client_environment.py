"""What the portal client takes from the environment (read once, for its one host).

The proxy settings (``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``) and a CA bundle
(``REQUESTS_CA_BUNDLE``) are honoured as requests honours them; ``~/.netrc`` is not
consulted, so an entry for the host can never replace the bearer token with Basic auth.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from hs_japan.portal.client import PortalClient
from tests.conftest import PortalEnv

DEAD_PROXY = "http://127.0.0.1:9"  # the discard port: nothing listens


def _details(portal: PortalEnv) -> int:
    client = PortalClient(portal.url, portal.token)
    return int(client.request("GET", "/account-info/v3/details").body["portalId"])


def test_a_proxy_from_the_environment_is_used(
    portal: PortalEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HTTP_PROXY", DEAD_PROXY)
    monkeypatch.setenv("http_proxy", DEAD_PROXY)
    with pytest.raises(requests.exceptions.ProxyError):
        _details(portal)


def test_no_proxy_exempts_the_host(portal: PortalEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", DEAD_PROXY)
    monkeypatch.setenv("http_proxy", DEAD_PROXY)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    assert _details(portal) == portal.portal_id


def test_a_netrc_entry_for_the_host_does_not_replace_the_token(
    portal: PortalEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password not-the-token\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    assert _details(portal) == portal.portal_id
