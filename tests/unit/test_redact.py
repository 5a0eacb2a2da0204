"""Token masking used by every CLI message, log record and --debug traceback."""

from __future__ import annotations

import logging

import pytest

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
