"""Portal profiles (``hs-japan.toml``) and token lookup from the environment.

```toml
[portals.sandbox]
base_url = "https://api.hubapi.com"
token_env = "HS_JAPAN_SANDBOX_TOKEN"   # the NAME of the variable, never the token
language = "ja"                        # which label language is written (ja|en)
portal_id = 12345678                   # optional: refuse a token for any other portal
account_type = "SANDBOX"               # optional: refuse any other account type
confirm_production = true              # default: apply to STANDARD needs --confirm-portal
```
The profile ``local`` is built in: the embedded emulator, started in-process, with its
state under ``.hs-japan/local/`` (or ``$HS_JAPAN_HOME/local``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hs_japan.defaults import DEFAULT_CONFIG as DEFAULT_CONFIG
from hs_japan.defaults import LOCAL as LOCAL
from hs_japan.errors import ConfigError

# tomllib, urllib.parse and outfile are imported where used: only commands that read a
# profile pay for them

_KNOWN_KEYS = {
    "base_url",
    "token_env",
    "language",
    "portal_id",
    "account_type",
    "confirm_production",
    "deadline",
}
# every command that talks to a portal ends within this many seconds (docs/safety.md);
# the profile's ``deadline`` or HS_JAPAN_DEADLINE changes it
COMMAND_DEADLINE = 600.0
MAX_DEADLINE = 7 * 24 * 3600.0
ACCOUNT_TYPES = ("STANDARD", "SANDBOX", "DEVELOPER_TEST", "APP_DEVELOPER")
MAX_CONFIG_BYTES = 1024 * 1024
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# what a pasted credential looks like: a HubSpot private-app token (pat-na1-…), a
# bearer string, or a long run of key-like characters with digits or dashes
_TOKENISH = re.compile(
    r"^(?:pat-|bearer\s|[A-Za-z0-9]{8}-[A-Za-z0-9]{4}-)|^(?=.*[0-9-])[A-Za-z0-9._~+/=-]{24,}$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Profile:
    name: str
    base_url: str | None = None  # None: the embedded local emulator
    token_env: str | None = None
    language: Literal["ja", "en"] = "ja"
    portal_id: int | None = None
    account_type: str | None = None
    confirm_production: bool = True
    deadline: float | None = None  # seconds; None: COMMAND_DEADLINE

    @property
    def is_local(self) -> bool:
        return self.base_url is None

    def token(self) -> str:
        if not self.token_env:
            raise ConfigError(f"portal '{self.name}': token_env is not set in the profile")
        value = os.environ.get(self.token_env, "").strip()
        if not value:
            raise ConfigError(
                f"portal '{self.name}': environment variable {self.token_env} "
                "is not set (export the private-app token there)"
            )
        # never echo the value: say only what is wrong with it
        if any(c in value for c in "\r\n"):
            raise ConfigError(
                f"portal '{self.name}': environment variable {self.token_env} holds a line "
                "break inside the token (was it pasted with a newline?); export the token "
                "alone on one line"
            )
        if any(ord(c) < 0x21 or 0x7F <= ord(c) <= 0x9F for c in value):
            raise ConfigError(
                f"portal '{self.name}': environment variable {self.token_env} holds spaces or "
                "control characters inside the token; export the token alone"
            )
        if not value.isascii():
            raise ConfigError(
                f"portal '{self.name}': environment variable {self.token_env} holds characters "
                "that are not plain ASCII (e.g. full-width letters or smart quotes), which an "
                "HTTP header cannot carry; export the token as copied from HubSpot"
            )
        return value


def state_home() -> Path:
    return Path(os.environ.get("HS_JAPAN_HOME", ".hs-japan"))


def load_profile(
    name: str, config_path: Path | None = None, language: str | None = None
) -> Profile:
    path = config_path or DEFAULT_CONFIG
    portals: dict[str, object] = {}
    if path.exists() or path.is_symlink():
        found = _read_toml(path).get("portals") or {}
        if not isinstance(found, dict):
            raise ConfigError(f"{path}: portals: must be a table of [portals.NAME] sections")
        portals = found
    elif config_path is not None:
        raise ConfigError(f"{path}: no such profile file")
    entry = portals.get(name)
    if entry is None:
        if name == LOCAL:
            return Profile(LOCAL, language=_language(language or "ja", path))
        known = ", ".join(sorted({LOCAL, *portals})) or LOCAL
        raise ConfigError(
            f"unknown portal '{name}' (known: {known}; define it as [portals.{name}] in {path})"
        )
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: portals.{name}: must be a table")
    unknown = set(entry) - _KNOWN_KEYS
    if unknown:
        raise ConfigError(
            f"{path}: portals.{name}.{sorted(unknown)[0]}: unknown key "
            f"(known: {', '.join(sorted(_KNOWN_KEYS))})"
        )
    if "token" in entry or any("token" in k and k != "token_env" for k in entry):
        raise ConfigError(
            f"{path}: portals.{name}: never put a token in the file; "
            "set token_env to the name of an environment variable"
        )
    base_url = _base_url(entry.get("base_url"), f"{path}: portals.{name}.base_url")
    token_env = entry.get("token_env")
    if not isinstance(token_env, str) or not token_env.strip():
        raise ConfigError(
            f"{path}: portals.{name}.token_env: name the environment variable holding the token"
        )
    if not _ENV_NAME.match(token_env):
        # never echo it: it may be the token itself, pasted where the name belongs
        if _TOKENISH.search(token_env.strip()):
            raise ConfigError(
                f"{path}: portals.{name}.token_env: the value of token_env looks like a token, "
                "not a variable name; put the token in an environment variable (e.g. "
                f"HS_JAPAN_{name.upper().replace('-', '_')}_TOKEN) and name that variable "
                "here, and revoke the token if this file was shared"
            )
        raise ConfigError(
            f"{path}: portals.{name}.token_env: not a valid environment variable name "
            "(letters, digits and _, not starting with a digit)"
        )
    lang = language or entry.get("language", "ja")
    portal_id = entry.get("portal_id")
    if portal_id is not None and (
        not isinstance(portal_id, int) or isinstance(portal_id, bool) or portal_id <= 0
    ):
        raise ConfigError(f"{path}: portals.{name}.portal_id: must be a positive integer")
    account_type = entry.get("account_type")
    if account_type is not None and account_type not in ACCOUNT_TYPES:
        raise ConfigError(
            f"{path}: portals.{name}.account_type: must be one of {', '.join(ACCOUNT_TYPES)}"
        )
    confirm = entry.get("confirm_production", True)
    if not isinstance(confirm, bool):
        raise ConfigError(f"{path}: portals.{name}.confirm_production: must be true or false")
    deadline = entry.get("deadline")
    if deadline is not None and not _seconds_ok(deadline):
        raise ConfigError(
            f"{path}: portals.{name}.deadline: must be a number of seconds between 1 and "
            f"{MAX_DEADLINE:.0f}"
        )
    return Profile(
        name,
        base_url=base_url,
        token_env=token_env,
        language=_language(lang, path),
        portal_id=portal_id,
        account_type=account_type,
        confirm_production=confirm,
        deadline=float(deadline) if deadline is not None else None,
    )


def _seconds_ok(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and value == value  # not NaN
        and 1 <= value <= MAX_DEADLINE
    )


def command_deadline(profile: Profile) -> float:
    """Seconds every command may spend on this portal: HS_JAPAN_DEADLINE, else the
    profile's ``deadline``, else COMMAND_DEADLINE."""
    raw = os.environ.get("HS_JAPAN_DEADLINE", "").strip()
    if raw:
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not _seconds_ok(value):
            raise ConfigError(
                f"HS_JAPAN_DEADLINE: must be a number of seconds between 1 and {MAX_DEADLINE:.0f}"
            )
        return value
    return profile.deadline if profile.deadline is not None else COMMAND_DEADLINE


def _read_toml(path: Path) -> dict[str, object]:
    """Parse the profile file; every problem is one line naming the file (and line)."""
    import tomllib

    from hs_japan.outfile import ReadProblem, read_regular_file

    try:
        raw = read_regular_file(path, MAX_CONFIG_BYTES)
    except ReadProblem as exc:
        raise ConfigError(f"{path}: cannot read the profile file: {exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{bad_line}: not valid UTF-8; save the file as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc).splitlines()[0] if str(exc) else "invalid TOML"
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        if match:
            line = match.group(1)
            message = message.replace(match.group(0), "").strip()
            raise ConfigError(f"{path}:{line}: invalid TOML: {message}") from None
        raise ConfigError(f"{path}: invalid TOML: {message}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None


def _base_url(value: object, where: str) -> str:
    """A usable http(s) base URL, or one line saying what is wrong with it."""
    import urllib.parse

    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: must be an http(s) URL, e.g. https://api.hubapi.com")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        raise ConfigError(f"{where}: must not contain spaces or control characters")
    try:
        parts = urllib.parse.urlsplit(value)
        port = parts.port  # raises ValueError when out of range or not a number
        host = parts.hostname
    except ValueError as exc:
        reason = (
            "bad IPv6 address (write it as http://[::1]:8080)"
            if "IPv6" in str(exc)
            else (
                "port must be a number from 1 to 65535" if "port" in str(exc).lower() else str(exc)
            )
        )
        raise ConfigError(f"{where}: {_safe_url(value)} is not a valid URL: {reason}") from None
    if parts.scheme.lower() not in ("http", "https"):
        shown = parts.scheme or "none"
        raise ConfigError(
            f"{where}: unknown scheme '{shown}' in {_safe_url(value)} (use https:// or http://)"
        )
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            f"{where}: must not contain a user name or password (the token comes from token_env)"
        )
    if not host:
        raise ConfigError(f"{where}: {_safe_url(value)} has no host name")
    if port == 0:
        raise ConfigError(f"{where}: {_safe_url(value)}: port must be from 1 to 65535")
    if parts.query or parts.fragment:
        raise ConfigError(f"{where}: {_safe_url(value)} must not have a query or fragment")
    if not host.isascii():
        try:
            host.encode("idna")
        except UnicodeError:
            raise ConfigError(f"{where}: {_safe_url(value)} has an invalid host name") from None
    return value.rstrip("/")


def _safe_url(value: str) -> str:
    """The URL for messages, cut short (a pasted token could follow it)."""
    shown = value if len(value) <= 80 else value[:77] + "..."
    return repr(shown)


def _language(value: object, path: Path) -> Literal["ja", "en"]:
    if value not in ("ja", "en"):
        raise ConfigError(f"{path}: language: must be 'ja' or 'en', not {value!r}")
    return value


def check_portal(profile: Profile, portal_id: int, account_type: str) -> None:
    """Refuse a token that reaches another portal than the profile pins (before any write)."""
    if profile.portal_id is not None and portal_id != profile.portal_id:
        raise ConfigError(
            f"portal '{profile.name}' is pinned to portal {profile.portal_id}, but the token in "
            f"${profile.token_env} belongs to portal {portal_id}; nothing was read or written"
        )
    if profile.account_type is not None and account_type != profile.account_type:
        raise ConfigError(
            f"portal '{profile.name}' expects a {profile.account_type} account, but portal "
            f"{portal_id} is {account_type}; nothing was written"
        )
