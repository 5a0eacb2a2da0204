"""Keep tokens out of every output: messages, logs, tracebacks.

Tokens reach hs-japan only through environment variables (see ``config.Profile``) and
are registered here the moment a client is built. Everything the CLI prints on
stderr/stdout in error paths, every log record (``--debug``), and every traceback
shown with ``--debug`` passes through :func:`redact`. As a second net, anything shaped
like a bearer credential or a HubSpot private-app token (``pat-…``) is masked too.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "[REDACTED]"
_lock = threading.Lock()
_secrets: set[str] = set()
_PATTERNS = (
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?:bearer\s+)?[^'\"\s,}]+"),
    re.compile(r"(?i)(bearer\s+)(?!\[REDACTED\])[^\s'\"]+"),
    re.compile(r"\bpat-[A-Za-z0-9][A-Za-z0-9-]{7,}"),
    # URL-encoded bearer credentials and credentials in query strings (legacy hapikey)
    re.compile(r"(?i)(bearer(?:%20|\+)+)[^&\s'\"%]+"),
    re.compile(
        r"(?i)(\b(?:access_token|refresh_token|hapikey|client_secret|api_?key|token)=)"
        r"(?!\[REDACTED\])[^&\s'\"]+"
    ),
)


# what every pattern above needs to match (a fast path: the journal passes every value it
# writes through redact, thousands per apply; one search instead of five substitutions)
_CUES = re.compile(r"pat-|(?i:authorization|bearer|token=|hapikey=|client_secret=|api_?key=)")
_known: tuple[str, ...] = ()  # the secrets, longest first


def register_secret(value: str) -> None:
    global _known
    if value and len(value) >= 6:
        with _lock:
            _secrets.add(value)
            _known = tuple(sorted(_secrets, key=len, reverse=True))


def may_need_redaction(encoded_json: str) -> bool:
    """Whether :func:`redact` could change a string inside ``encoded_json`` (a JSON text
    with ``ensure_ascii=False``): a known secret or a pattern's cue occurs in it. A JSON
    string's characters appear as they are unless JSON escapes them, and no cue has such a
    character; a secret that has one makes every text suspect."""
    known = _known
    if any(secret in encoded_json or _escaped(secret) for secret in known):
        return True
    return _CUES.search(encoded_json) is not None


def _escaped(secret: str) -> bool:
    return any(c in secret for c in '"\\') or any(ord(c) < 0x20 for c in secret)


def redact(text: str) -> str:
    known = _known
    for secret in known:
        text = text.replace(secret, MASK)
    if _CUES.search(text) is None:
        return text  # no pattern can match
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + MASK, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = redact(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = redact(text)
        return True


def install_log_redaction() -> None:
    """Attach the filter to every root handler (call after logging is configured)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
