"""A loopback HTTP stub that records every request exactly as sent.

The SDK's generated clients send through urllib3, which ``responses`` (a ``requests``
mock) cannot see, so SDK calls are pinned with this recorder; ``client.api_request``
calls go through ``requests`` and are pinned with ``responses`` as well.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]


class Recorder:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        # (method, path) -> (status, body); default answers are empty successes
        self.routes: dict[tuple[str, str], tuple[int, Any]] = {}
        # (method, path) -> queued (status, body, headers) answered first, in order
        self.scripts: dict[tuple[str, str], list[tuple[int, Any, dict[str, str]]]] = {}
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                recorder.requests.append(
                    Recorded(
                        self.command,
                        parts.path,
                        parse_qs(parts.query),
                        body,
                        dict(self.headers.items()),
                    )
                )
                route = (self.command, parts.path)
                extra: dict[str, str] = {}
                if recorder.scripts.get(route):
                    status, answer, extra = recorder.scripts[route].pop(0)
                else:
                    status, answer = recorder.routes.get(
                        route,
                        (204, None) if self.command == "DELETE" else (200, {"results": []}),
                    )
                data = b"" if answer is None else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def calls(self) -> list[tuple[str, str, dict[str, list[str]], Any]]:
        return [(r.method, r.path, r.query, r.body) for r in self.requests]
