"""``hs-japan emulator portal create NAME``: a named portal on a running emulator, with its
profile in ``hs-japan.toml``.

It starts nothing: it asks a running ``hs-japan emulator serve`` (``--url``, default
``http://127.0.0.1:8765``) for a new portal through the control API
(``POST /_emulator/portals``), writes or replaces ``[portals.NAME]`` in the profile file
(``base_url`` and ``token_env``, never the token) and prints the ``export`` line that puts
the token in the environment, so ``eval "$(hs-japan emulator portal create sandbox)"``
makes ``--portal sandbox`` work at once.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hs_japan.config import DEFAULT_CONFIG, LOCAL
from hs_japan.errors import ConfigError, HsJapanError
from hs_japan.ui import UI

DEFAULT_URL = "http://127.0.0.1:8765"
TIERS = ("free", "starter", "professional", "enterprise", "api_add_on")
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_LOOPBACK = ("http://127.0.0.1", "http://localhost", "http://[::1]")


def token_env_for(name: str) -> str:
    """HS_JAPAN_<NAME>_TOKEN, the variable the profile names."""
    return f"HS_JAPAN_{re.sub(r'[^A-Z0-9]', '_', name.upper())}_TOKEN"


def profile_text(name: str, url: str, portal_id: int, account_type: str, language: str) -> str:
    return (
        f"[portals.{name}]   # emulator portal {portal_id} (hs-japan emulator portal create)\n"
        f'base_url = "{url}"\n'
        f'token_env = "{token_env_for(name)}"\n'
        f"portal_id = {portal_id}\n"
        f'account_type = "{account_type}"\n'
        f'language = "{language}"\n'
    )


def write_profile(path: Path, name: str, section: str) -> bool:
    """Add ``[portals.NAME]`` to the profile file, or replace it; True when replaced.

    Other sections and comments are kept as they are. The result must parse as TOML."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if text:
        try:
            tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML, not changed: {exc}") from None
    header = re.compile(
        rf"^\[\s*portals\s*\.\s*(?:{re.escape(name)}|\"{re.escape(name)}\")\s*\][^\n]*\n?",
        re.MULTILINE,
    )
    found = header.search(text)
    replaced = found is not None
    if found is not None:
        # the section runs to the next table header (or the end of the file)
        nxt = re.compile(r"^\s*\[", re.MULTILINE).search(text, found.end())
        end = nxt.start() if nxt else len(text)
        tail = text[end:]
        text = text[: found.start()] + section + ("\n" + tail if tail else "")
    else:
        if text and not text.endswith("\n"):
            text += "\n"
        text += ("\n" if text else "") + section
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - a bug here, not user input
        raise ConfigError(f"{path}: could not update [portals.{name}]: {exc}") from None
    if not isinstance(parsed.get("portals"), dict) or name not in parsed["portals"]:
        raise ConfigError(f"{path}: could not update [portals.{name}]")
    path.write_text(text, encoding="utf-8")
    return replaced


def create_on_emulator(url: str, body: dict[str, Any]) -> dict[str, Any]:
    import requests

    try:
        r = requests.post(f"{url}/_emulator/portals", json=body, timeout=10)
    except requests.RequestException:
        raise HsJapanError(
            f"no emulator answers at {url}; start one with 'hs-japan emulator serve' "
            "(in another terminal, or in the background with &) or pass --url"
        ) from None
    try:
        answer = r.json()
    except ValueError:
        answer = None
    if r.status_code != 201 or not isinstance(answer, dict) or "token" not in answer:
        message = answer.get("message") if isinstance(answer, dict) else None
        raise HsJapanError(
            f"{url} did not create a portal ({r.status_code}"
            f"{': ' + str(message) if message else ''}); is it 'hs-japan emulator serve'?"
        )
    return answer


@dataclass(frozen=True)
class CreateOptions:
    name: str
    url: str = DEFAULT_URL
    account_type: str = "SANDBOX"
    tier: str = "enterprise"
    language: str = "ja"
    config: Path = DEFAULT_CONFIG


def run_create(opts: CreateOptions, ui: UI) -> int:
    """Create a portal on a running emulator and write its profile to hs-japan.toml.

    Prints the export line for its token on stdout (everything else goes to stderr), so
    eval "$(hs-japan emulator portal create sandbox)" sets it in the current shell.
    """
    from hs_japan.config import ACCOUNT_TYPES

    name = opts.name
    if not _NAME.match(name) or name == LOCAL:
        raise ConfigError(
            f"portal name {name!r}: use lowercase letters, digits, - and _ "
            f"(starting with a letter), and not '{LOCAL}' (the embedded portal)"
        )
    base = opts.url.rstrip("/")
    if not base.startswith(_LOOPBACK):
        raise ConfigError(f"--url {opts.url}: the emulator listens on loopback only (http://127…)")
    if opts.account_type not in ACCOUNT_TYPES:
        raise ConfigError(f"--account-type: one of {', '.join(ACCOUNT_TYPES)}")
    if opts.tier not in TIERS:
        raise ConfigError(f"--tier: one of {', '.join(TIERS)}")
    if opts.language not in ("ja", "en"):
        raise ConfigError("--language: ja or en")
    created = create_on_emulator(
        base, {"accountType": opts.account_type, "portalName": name, "tier": opts.tier}
    )
    portal_id = int(created["portalId"])
    section = profile_text(name, base, portal_id, opts.account_type, opts.language)
    replaced = write_profile(opts.config, name, section)
    env = token_env_for(name)
    ui.err(
        f"Created portal {portal_id} ({opts.account_type}, {opts.tier}) on {base}; "
        f"{'replaced' if replaced else 'wrote'} [portals.{name}] in {opts.config}. "
        f"Put the token in your shell with the line below, then use --portal {name}."
    )
    ui.echo(f"export {env}={shlex.quote(str(created['token']))}")
    return 0


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8765
    data: Path = Path(".hs-japan/emulator")
    latency_ms: int = 0
    fault_seed: int = 0
    rate_limits: bool = True


def run_serve(opts: ServeOptions) -> int:
    """Serve the local HubSpot portal emulator in the foreground until Ctrl-C."""
    from hubspot_emulator import serve
    from hubspot_emulator.server import check_options

    try:  # out-of-range flags: one line, before anything is created
        check_options(opts.host, opts.port, opts.latency_ms)
        opts.data.mkdir(parents=True, exist_ok=True)
    except ValueError as exc:
        raise HsJapanError(str(exc)) from None
    except OSError as exc:
        raise HsJapanError(
            f"cannot use {opts.data} as the state directory: {exc.strerror}"
        ) from None
    try:
        serve(
            opts.host,
            opts.port,
            opts.data,
            latency_ms=opts.latency_ms,
            seed=opts.fault_seed,
            rate_limits=opts.rate_limits,
        )
    except ValueError as exc:
        raise HsJapanError(str(exc)) from None
    except OSError as exc:
        raise HsJapanError(f"cannot serve on {opts.host}:{opts.port}: {exc.strerror}") from None
    return 0
