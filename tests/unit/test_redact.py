"""Token masking used by every CLI message, log record and --debug traceback."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hs_japan.redact import MASK, RedactingFilter, redact, register_secret


def test_registered_secrets_and_token_shapes_are_masked() -> None:
    register_secret("s3cr3t-value-xyz")
    assert redact("token=s3cr3t-value-xyz!") == f"token={MASK}!"
    assert redact("Authorization: Bearer abc.def") == f"Authorization: {MASK}"
    assert redact("header bearer abc.def") == f"header bearer {MASK}"
    assert redact("got pat-na1-11111111-2222 back") == f"got {MASK} back"
    assert redact("{'Authorization': 'xyz'}") == f"{{'Authorization': '{MASK}'}}"
    assert redact("nothing secret here: pat-") == "nothing secret here: pat-"


def test_log_records_and_their_tracebacks_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    register_secret("another-secret-123")
    logger = logging.getLogger("hs_japan.test_redact")
    caplog.handler.addFilter(RedactingFilter())
    try:
        raise RuntimeError("failed with another-secret-123")
    except RuntimeError:
        logger.exception("calling with %s", "another-secret-123")
    text = caplog.text
    assert "another-secret-123" not in text
    assert f"calling with {MASK}" in text and f"failed with {MASK}" in text


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Authorization: ",
                "authorization=",
                "Bearer ",
                "bearer%20",
                "BEARER+",
                "pat-na1-",
                "token=",
                "access_token=",
                "HapiKey=",
                "api_key=",
                "apikey=",
                "client_secret=",
                "abc123XYZ",
                "secret-token-value",
                " ",
                "'",
                '"',
                ",",
                "&",
                "%",
                "=",
                "ラベル",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_the_fast_path_masks_exactly_what_every_pattern_would(text: str) -> None:
    """redact skips its patterns when none can match; it masks exactly what applying every
    pattern to every string would."""
    from hs_japan import redact as module

    register_secret("secret-token-value")
    expected = text
    for secret in sorted(module._secrets, key=len, reverse=True):  # every one registered
        expected = expected.replace(secret, MASK)
    for pattern in module._PATTERNS:
        expected = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + MASK, expected)
    assert redact(text) == expected
