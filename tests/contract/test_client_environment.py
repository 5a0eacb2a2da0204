"""What the portal client takes from the environment (read once, for its one host).

The proxy settings (``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``) and a CA bundle
(``REQUESTS_CA_BUNDLE``) are honoured as requests honours them; ``~/.netrc`` is not
consulted, so an entry for the host can never replace the bearer token with Basic auth.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import urllib3

from hs_japan.portal.client import PortalClient
from tests.conftest import PortalEnv

DEAD_PROXY = "http://127.0.0.1:9"  # the discard port: nothing listens


class _Forward(BaseHTTPRequestHandler):
    """A plain-HTTP forward proxy: takes ``GET http://host/path``, forwards it, and
    records the request line."""

    protocol_version = "HTTP/1.1"
    seen: list[str]

    def _forward(self) -> None:
        target = urlsplit(self.path)
        assert target.scheme == "http", self.path  # a proxy is sent the absolute URL
        self.seen.append(f"{self.command} {target.path}")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
        upstream = http.client.HTTPConnection(target.netloc, timeout=10)
        upstream.request(
            self.command,
            target.path + (f"?{target.query}" if target.query else ""),
            body=body,
            headers=headers,
        )
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status, answer.reason)
        for key, value in answer.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def forward_proxy() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    handler = type("Handler", (_Forward,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


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
    with pytest.raises(urllib3.exceptions.MaxRetryError) as failed:
        _details(portal)
    assert isinstance(failed.value.reason, urllib3.exceptions.ProxyError)


def test_plain_json_and_sdk_calls_both_go_through_the_proxy(
    portal: PortalEnv, monkeypatch: pytest.MonkeyPatch, forward_proxy: tuple[str, list[str]]
) -> None:
    """The SDK's generated clients send through the portal client's pool, so they are
    proxied like ``request`` (before, only ``request`` was)."""
    url, seen = forward_proxy
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HTTP_PROXY", url)
    monkeypatch.setenv("http_proxy", url)
    client = PortalClient(portal.url, portal.token)
    assert client.request("GET", "/account-info/v3/details").body["portalId"] == portal.portal_id
    pipelines = client.sdk.crm.pipelines.pipelines_api.get_all("deals")
    assert pipelines.results  # the default sales pipeline, read through the proxy
    assert seen == ["GET /account-info/v3/details", "GET /crm/v3/pipelines/deals"]


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


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("HTTPS_PROXY", "ftp://user:secret-proxy-password@127.0.0.1:9", "ProxySchemeUnknown"),
        ("REQUESTS_CA_BUNDLE", "/nonexistent/ca-bundle.pem", "does not exist"),
    ],
)
def test_an_unusable_proxy_or_ca_bundle_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    from hs_japan.errors import PortalError

    for var in ("NO_PROXY", "no_proxy", "https_proxy", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(variable, value)
    with pytest.raises(PortalError, match=says) as raised:
        PortalClient("https://api.hubapi.com", "pat-na1-never-sent")
    message = str(raised.value)
    assert variable.split("_")[0] in message and "\n" not in message
    assert "secret-proxy-password" not in message  # a proxy's credentials are not shown
