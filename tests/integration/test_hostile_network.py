"""A portal URL that answers 200 with something that is not HubSpot's JSON (an empty
object, a proxy's HTML page, listings without results) is an error naming the read —
never "nothing there", which would plan to create everything again, and never a
traceback."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.helpers import DEFAULT_BLUEPRINT

Cli = Callable[..., CliResult]
BODIES = {
    "empty object": ("{}", "application/json"),
    "html page": ("<html><body>Welcome</body></html>", "text/html"),
    "no results": ('{"portalId": 1, "accountType": "SANDBOX"}', "application/json"),
    "results of strings": (
        '{"portalId": 1, "accountType": "SANDBOX", "results": ["x"]}',
        "application/json",
    ),
    "empty body": ("", "application/json"),
}


@pytest.fixture
def imposter(request: pytest.FixtureRequest) -> Iterator[str]:
    body, content_type = BODIES[request.param]
    data = body.encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("imposter", sorted(BODIES), indirect=True)
def test_a_200_that_is_not_hubspot_is_an_error_not_an_empty_portal(
    imposter: str, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "hs-japan.toml"
    config.write_text(f'[portals.odd]\nbase_url = "{imposter}"\ntoken_env = "ODD_TOKEN"\n')
    monkeypatch.setenv("ODD_TOKEN", "pat-na1-11111111-1111-1111-1111-111111111111")
    for command in ("plan", "apply"):
        args = [command, str(DEFAULT_BLUEPRINT), "--portal", "odd", "--config", str(config)]
        result = cli(*args, *(["--yes"] if command == "apply" else []))
        assert result.exit_code == 1, (command, result.stdout, result.stderr)
        assert "to create" not in result.stdout and "No changes" not in result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: read "), lines
        assert "HubSpot" in lines[0] and "nothing was compared or written" in lines[0]
        assert "Traceback" not in result.stderr and "11111111" not in result.stderr
