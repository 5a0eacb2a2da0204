"""Issue 17: the journal never holds a token, and a torn journal never stops an apply."""

from __future__ import annotations

import json
from pathlib import Path

from hs_japan.journal import Journal, interrupted, read_journal
from hs_japan.plan.model import Plan
from hs_japan.redact import register_secret
from hs_japan.resources import PortalInfo

REGISTERED = "pat-eu1-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
UNREGISTERED = "CJmyOAuthAccessTokenXYZ123456"


def _plan() -> Plan:
    info = PortalInfo(portal_id=42, account_type="SANDBOX", name="t", time_zone="Asia/Tokyo")
    return Plan(info, "bp", "sha256:x", "ja", ())


def test_an_error_body_echoing_the_authorization_header_is_redacted_on_write(
    tmp_path: Path,
) -> None:
    register_secret(REGISTERED)
    journal = Journal(tmp_path, 42)
    journal.begin(_plan())
    body = json.dumps(
        {
            "message": "bad request",
            "request": {"headers": {"Authorization": f"Bearer {UNREGISTERED}"}},
            "echo": f"Authorization: Bearer {REGISTERED}",
            "url": f"https://api.hubapi.com/x?hapikey={UNREGISTERED}",
        }
    )
    journal.end(converged=None, error=f"PortalError: HTTP 400: {body}")
    text = journal.path.read_text(encoding="utf-8")
    assert REGISTERED not in text and UNREGISTERED not in text
    assert "[REDACTED]" in text
    for line in text.splitlines():  # every line is still valid JSON
        json.loads(line)


def test_a_torn_tail_is_tolerated_and_reported(tmp_path: Path) -> None:
    folder = tmp_path / "42"
    folder.mkdir()
    begin = json.dumps({"at": "t0", "event": "begin", "changes": [{}, {}]}).encode()
    intent = json.dumps(
        {"event": "intent", "kind": "stage", "key": "deals/p/稟議"}, ensure_ascii=False
    ).encode()
    torn = intent[: intent.index("稟".encode()) + 2]  # inside a 3-byte character
    (folder / "a.jsonl").write_bytes(begin + b"\n" + torn)
    events, ignored = read_journal(folder / "a.jsonl")
    assert [e["event"] for e in events] == ["begin"] and ignored == len(torn)
    (found,) = interrupted(tmp_path, 42)
    assert found.planned == 2 and found.torn == len(torn)
    assert "torn" in found.describe()


def test_journal_lines_of_the_wrong_shape_do_not_crash_recovery(tmp_path: Path) -> None:
    folder = tmp_path / "42"
    folder.mkdir()
    (folder / "a.jsonl").write_text(
        '{"event": "begin", "changes": 3}\n{"event": "intent"}\n[1, 2]\n{"event": "done"}\n'
    )
    (found,) = interrupted(tmp_path, 42)
    assert found.planned == 0 and found.torn > 0


def test_a_secret_deep_in_an_intent_is_redacted_and_clean_lines_are_written_as_they_are(
    tmp_path: Path,
) -> None:
    from hs_japan.plan.model import Action, Change
    from hs_japan.resources import Kind

    secret = 'sk-quote"d-secret-value'  # JSON escapes its quote: every line is checked
    register_secret(REGISTERED)
    register_secret(secret)
    journal = Journal(tmp_path, 42)
    leaky = {"actions": [{"fields": {"note": f"call with {REGISTERED}", secret: [secret]}}]}
    clean = {"label": "稟議中", "options": [{"value": "a", "label": "A"}]}
    journal.intents(
        [
            Change(Action.CREATE, Kind.WORKFLOW, "jp_leaky", None, leaky),
            Change(Action.CREATE, Kind.PROPERTY, "deals/jp_clean", None, clean),
        ]
    )
    leaky_line, clean_line = journal.path.read_text(encoding="utf-8").splitlines()
    assert REGISTERED not in leaky_line and "quote" not in leaky_line
    assert json.loads(leaky_line)["after"]["actions"][0]["fields"]["note"] == (
        "call with [REDACTED]"
    )
    assert json.loads(clean_line)["after"] == clean
