"""``hs-japan docs``, ``graph``, ``init`` and ``schema``: the funnel design as documents,
a new configuration repository, and a JSON Schema for editors."""

import json
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer

TEMPLATES = ("japan-enterprise",)
SCHEMA_FILE = "blueprint.schema.json"

HS_JAPAN_TOML = """# hs-japan portal profiles. Tokens never go in this file: each profile names the
# environment variable that holds its private-app token (see README: scopes).

[portals.sandbox]
base_url = "https://api.hubapi.com"
token_env = "HS_JAPAN_SANDBOX_TOKEN"
account_type = "SANDBOX"          # refuse a token for any other kind of account
language = "ja"

[portals.production]
base_url = "https://api.hubapi.com"
token_env = "HS_JAPAN_PRODUCTION_TOKEN"
account_type = "STANDARD"
language = "ja"
# portal_id = 12345678            # pin it: a token for another portal is refused
# apply asks for --confirm-portal <id> on production unless confirm_production = false
"""

GITIGNORE = """# hs-japan local state (embedded portal, journals) and saved plans
.hs-japan/
*.plan.json
plan.json
"""

WORKFLOW = """# Validate the blueprint and check the sandbox for drift on every pull request.
name: hs-japan
on:
  pull_request:
  workflow_dispatch:
jobs:
  plan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      # hs-japan is not on PyPI: install exactly the build `hs-japan init` pinned
      # (a wheel vendored into this repository, or a git URL fixed to one commit)
      - run: pip install "{package}"
      - run: hs-japan validate blueprint
      - name: plan against the sandbox (exit 2 = changes to review)
        run: hs-japan plan blueprint --portal sandbox --format markdown --detailed-exitcode
        env:
          HS_JAPAN_SANDBOX_TOKEN: ${{ secrets.HS_JAPAN_SANDBOX_TOKEN }}
"""


def pinned_package(directory: Path) -> str:
    """What the CI template installs: a wheel of this very hs-japan vendored into the new
    repository (from a source checkout), else the git commit it was installed from. Never
    a bare package name that someone else could register on a package index."""
    import importlib.metadata
    import subprocess
    import sys

    from hs_japan.errors import ConfigError

    root = Path(__file__).resolve().parents[3]
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and 'name = "hs-japan"' in pyproject.read_text(encoding="utf-8"):
        vendor = directory / "vendor"
        vendor.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(vendor), str(root)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        wheels = sorted(vendor.glob("hs_japan-*.whl"))
        if done.returncode == 0 and wheels:
            return f"./vendor/{wheels[-1].name}"
        raise ConfigError(
            "could not build a wheel of hs-japan to vendor "
            f"({(done.stderr or done.stdout).strip().splitlines()[-1:]}); pass --package"
        )
    try:
        direct = json.loads(
            importlib.metadata.distribution("hs-japan").read_text("direct_url.json") or "{}"
        )
    except importlib.metadata.PackageNotFoundError:
        direct = {}
    vcs = direct.get("vcs_info") or {}
    if direct.get("url") and vcs.get("commit_id"):
        return f"hs-japan @ {vcs.get('vcs', 'git')}+{direct['url']}@{vcs['commit_id']}"
    raise ConfigError(
        "cannot tell where this hs-japan was installed from; pass --package with a pinned "
        "git URL (hs-japan @ git+https://…@<commit>) or a wheel path for the CI template"
    )


def template_dir(name: str) -> Path:
    """The packaged template (``hs_japan/templates/<name>``), or the repository's
    ``blueprints/<name>`` in a source checkout."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "templates" / name, here.parents[1] / "blueprints" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(name)


def blueprint_schema() -> dict[str, Any]:
    """JSON Schema of one blueprint file (version + the section lists)."""
    from pydantic import create_model

    from hs_japan.blueprint.load import SECTIONS

    fields: dict[str, Any] = {"version": (int, 1)}
    for section, model in SECTIONS.items():
        fields[section] = (list[model] | None, None)  # type: ignore[valid-type]
    file_model = create_model("BlueprintFile", **fields)
    schema = file_model.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "hs-japan blueprint file (format v1)"
    schema["additionalProperties"] = False
    return schema


def register(app: typer.Typer) -> None:
    from hs_japan import cli
    from hs_japan.blueprint import load_blueprint
    from hs_japan.errors import ConfigError
    from hs_japan.playbook import render_graph, render_playbook

    LangOpt = Annotated[str, typer.Option("--language", help="ja or en.")]

    def _lang(value: str) -> Any:
        if value not in ("ja", "en"):
            raise ConfigError(f"--language: must be ja or en, not {value!r}")
        return value

    @app.command()
    def docs(
        blueprint: cli.BlueprintDir,
        out: Annotated[Path, typer.Option("--out", "-o", help="Markdown file to write.")],
        language: LangOpt = "ja",
    ) -> None:
        """Write the playbook: funnel stages, stage criteria, rules, KPIs, UI checklist."""

        def body() -> int:
            text = render_playbook(load_blueprint(blueprint), _lang(language))
            out.write_text(text, encoding="utf-8")
            typer.echo(f"Wrote the playbook to {out} ({len(text.splitlines())} lines).")
            return 0

        code = cli._guard(body)
        if code:
            raise typer.Exit(code)

    @app.command()
    def graph(
        blueprint: cli.BlueprintDir,
        out: Annotated[Path, typer.Option("--out", "-o", help="SVG file to write.")],
        language: LangOpt = "ja",
    ) -> None:
        """Draw the funnel and the deal pipeline as an SVG that opens in a browser."""

        def body() -> int:
            out.write_text(
                render_graph(load_blueprint(blueprint), _lang(language)), encoding="utf-8"
            )
            typer.echo(f"Wrote {out}.")
            return 0

        code = cli._guard(body)
        if code:
            raise typer.Exit(code)

    @app.command()
    def schema(
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="File (default: stdout).")
        ] = None,
    ) -> None:
        """Print the JSON Schema of blueprint files (for editor validation/completion)."""
        text = json.dumps(blueprint_schema(), ensure_ascii=False, indent=2) + "\n"
        if out is None:
            typer.echo(text, nl=False)
        else:
            out.write_text(text, encoding="utf-8")
            typer.echo(f"Wrote {out}.")

    @app.command()
    def init(
        directory: Annotated[Path, typer.Argument(help="New configuration repository.")],
        template: Annotated[str, typer.Option("--template")] = "japan-enterprise",
        force: Annotated[bool, typer.Option("--force", help="Write into a non-empty dir.")] = False,
        package: Annotated[
            str | None,
            typer.Option(
                "--package",
                help="What CI installs (a pinned git URL or a wheel path); default: a wheel "
                "of this hs-japan vendored into the repository.",
            ),
        ] = None,
    ) -> None:
        """Scaffold a configuration repo: blueprint, profiles, .gitignore, CI example."""

        def body() -> int:
            if template not in TEMPLATES:
                raise ConfigError(
                    f"--template: unknown {template!r} (known: {', '.join(TEMPLATES)})"
                )
            if directory.exists() and any(directory.iterdir()) and not force:
                raise ConfigError(
                    f"{directory} is not empty; choose a new directory or pass --force"
                )
            source = template_dir(template)
            target = directory / "blueprint"
            target.mkdir(parents=True, exist_ok=True)
            modeline = f"# yaml-language-server: $schema=../{SCHEMA_FILE}\n"
            for path in sorted(source.iterdir()):
                if path.suffix in (".yaml", ".yml"):
                    (target / path.name).write_text(
                        modeline + path.read_text(encoding="utf-8"), encoding="utf-8"
                    )
                elif path.is_file():
                    shutil.copyfile(path, target / path.name)
            (directory / "migrations").mkdir(exist_ok=True)
            (directory / "migrations" / "README.md").write_text(
                "Data migrations: NNNN_name.py files with upgrade(ctx); see hs-japan docs.\n",
                encoding="utf-8",
            )
            (directory / "hs-japan.toml").write_text(HS_JAPAN_TOML, encoding="utf-8")
            (directory / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
            wf = directory / ".github" / "workflows"
            wf.mkdir(parents=True, exist_ok=True)
            spec = package or pinned_package(directory)
            (wf / "hs-japan.yml").write_text(WORKFLOW.replace("{package}", spec), encoding="utf-8")
            (directory / SCHEMA_FILE).write_text(
                json.dumps(blueprint_schema(), ensure_ascii=False, indent=2) + "\n",
                encoding="utf-8",
            )
            vscode = directory / ".vscode"
            vscode.mkdir(exist_ok=True)
            (vscode / "settings.json").write_text(
                json.dumps({"yaml.schemas": {f"./{SCHEMA_FILE}": "blueprint/*.yaml"}}, indent=2)
                + "\n",
                encoding="utf-8",
            )
            typer.echo(
                f"Created {directory}: blueprint/ ({template}), hs-japan.toml, .gitignore, "
                f".github/workflows/hs-japan.yml, {SCHEMA_FILE}.\n"
                f"Next: cd {directory} && hs-japan validate blueprint && hs-japan plan blueprint"
            )
            return 0

        code = cli._guard(body)
        if code:
            raise typer.Exit(code)
