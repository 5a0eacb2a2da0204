"""The emulator control client (``hs-japan emulator seed``) against answers the real
emulator never gives: pinned with ``responses``, which stands in for the server."""

from __future__ import annotations

import pytest
import requests
import responses

from hs_japan.errors import HsJapanError
from hs_japan.portal.emulator_control import Control, NotAnEmulator

BASE = "http://127.0.0.1:8765"
SEED = f"{BASE}/_emulator/portals/7/seed"


@responses.activate
def test_the_body_is_sent_as_json_and_the_answer_returned() -> None:
    responses.add(responses.POST, SEED, json={"created": 3}, status=201)
    assert Control(BASE, 7).post("/seed", {"seed": 1}) == {"created": 3}
    (call,) = responses.calls
    assert call.request.body == b'{"seed": 1}'


def test_only_a_loopback_url_is_an_emulator() -> None:
    with pytest.raises(NotAnEmulator, match="not a local emulator"):
        Control("https://api.hubapi.com", 7)


@pytest.mark.parametrize(
    ("status", "body", "error", "says"),
    [
        (409, {"message": "exists"}, HsJapanError, "seeded before"),
        (404, {"message": "no control API"}, NotAnEmulator, "not served by the hs-japan"),
        (500, {"message": "boom"}, HsJapanError, "/seed: 500"),
        (200, "<html>a proxy's login page</html>", NotAnEmulator, "without JSON"),
    ],
)
@responses.activate
def test_unexpected_answers_are_one_line_errors(
    status: int, body: object, error: type[Exception], says: str
) -> None:
    if isinstance(body, str):
        responses.add(responses.POST, SEED, body=body, status=status)
    else:
        responses.add(responses.POST, SEED, json=body, status=status)
    with pytest.raises(error, match=says) as raised:
        Control(BASE, 7).post("/seed", {})
    assert "\n" not in str(raised.value)


@responses.activate
def test_an_unreachable_emulator_is_one_line() -> None:
    responses.add(responses.POST, SEED, body=requests.ConnectionError("refused"))
    with pytest.raises(NotAnEmulator, match="cannot reach the emulator control API"):
        Control(BASE, 7).post("/seed", {})
