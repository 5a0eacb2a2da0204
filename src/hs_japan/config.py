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
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hs_japan.errors import ConfigError

LOCAL = "local"
DEFAULT_CONFIG = Path("hs-japan.toml")
_KNOWN_KEYS = {
    "base_url",
    "token_env",
    "language",
    "portal_id",
    "account_type",
    "confirm_production",
}
ACCOUNT_TYPES = ("STANDARD", "SANDBOX", "DEVELOPER_TEST", "APP_DEVELOPER")


@dataclass(frozen=True)
class Profile:
    name: str
    base_url: str | None = None  # None: the embedded local emulator
    token_env: str | None = None
    language: Literal["ja", "en"] = "ja"
    portal_id: int | None = None
    account_type: str | None = None
    confirm_production: bool = True

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
        return value


def state_home() -> Path:
    return Path(os.environ.get("HS_JAPAN_HOME", ".hs-japan"))


def load_profile(
    name: str, config_path: Path | None = None, language: str | None = None
) -> Profile:
    path = config_path or DEFAULT_CONFIG
    portals: dict[str, object] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
        portals = data.get("portals") or {}
        if not isinstance(portals, dict):
            raise ConfigError(f"{path}: portals: must be a table of [portals.NAME] sections")
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
    base_url = entry.get("base_url")
    token_env = entry.get("token_env")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{path}: portals.{name}.base_url: must be an http(s) URL")
    if not isinstance(token_env, str) or not token_env:
        raise ConfigError(
            f"{path}: portals.{name}.token_env: name the environment variable holding the token"
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
    return Profile(
        name,
        base_url=base_url.rstrip("/"),
        token_env=token_env,
        language=_language(lang, path),
        portal_id=portal_id,
        account_type=account_type,
        confirm_production=confirm,
    )


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
