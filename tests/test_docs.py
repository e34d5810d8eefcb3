"""The documentation covers what the code offers, as Datasette's test_docs.py does.

Every configuration key, command, make target and CSV import column must be documented under
``docs/``. The references of keys, commands and columns are generated from the code while the
site is built (``docs/hooks/reference.py``), so for them "documented" means: the generated
reference holds it, with an explanation written in the code (a comment in
``instance/config.example.py``, a command's docstring and its options' help, a column's
meaning), and the page that shows the reference asks for it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import click
import pytest
from flask import Flask

from app.cli import register_commands
from app.config import ENVIRONMENT_KEYS, Defaults
from app.imports.layout import COLUMN_NAMES, COLUMNS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _load_reference():
    spec = importlib.util.spec_from_file_location(
        "docs_reference", DOCS / "hooks" / "reference.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


reference = _load_reference()


def _page(path: str) -> str:
    return (DOCS / path).read_text()


def _written_docs() -> str:
    """Every Markdown page as written (the generated references are not in it)."""
    return "\n".join(path.read_text() for path in sorted(DOCS.rglob("*.md")))


def _sections(markdown: str) -> dict[str, str]:
    """Generated Markdown by ``### `name``` heading: the text under each."""
    parts = re.split(r"^### `([^`]+)`.*$", markdown, flags=re.M)
    return {name: text.strip() for name, text in zip(parts[1::2], parts[2::2], strict=True)}


# --- Configuration -------------------------------------------------------------------------


def configuration_keys() -> list[str]:
    keys = [key for key in vars(Defaults) if key.isupper()]
    return keys + [key for key in ENVIRONMENT_KEYS if key not in keys]


def undocumented_keys(keys: list[str], settings, markdown: str) -> list[str]:
    explained = {setting.key for setting in settings if setting.explanation.strip()}
    sections = _sections(markdown)
    return [
        key
        for key in keys
        if key not in explained or not sections.get(key, "").split("Default:")[0].strip()
    ]


def test_every_configuration_key_is_documented():
    missing = undocumented_keys(
        configuration_keys(), reference.settings(), reference.configuration_reference()
    )
    assert missing == [], "explain these in instance/config.example.py (or beside the default)"


def test_an_unexplained_key_is_caught():
    settings = [s for s in reference.settings() if s.key != "SITE_NAME"]
    markdown = reference.configuration_reference().replace("### `SITE_NAME`", "### `OTHER`")
    assert undocumented_keys(["SITE_NAME"], settings, markdown) == ["SITE_NAME"]


def test_environment_keys_say_they_are_read_from_the_environment():
    sections = _sections(reference.configuration_reference())
    for key in ENVIRONMENT_KEYS:
        assert f"environment variable `{key}`" in sections[key]


# --- Commands --------------------------------------------------------------------------------


def registered_commands() -> dict[str, click.Command]:
    """What ``register_commands`` adds, read on a bare Flask app (independent of the hook)."""
    bare = Flask("docs-check")
    register_commands(bare)
    return dict(bare.cli.commands)


def undocumented_commands(commands: dict[str, click.Command], markdown: str) -> list[str]:
    sections = _sections(markdown)
    missing = []
    for name, command in commands.items():
        options = [p for p in command.params if isinstance(p, click.Option)]
        if (
            name not in sections
            or not (command.help or "").strip()
            or any(not (option.help or "").strip() for option in options)
            or any(option.opts[0] not in sections[name] for option in options)
        ):
            missing.append(name)
    return missing


def test_every_command_is_documented():
    commands = registered_commands()
    assert len(commands) >= 10
    assert undocumented_commands(commands, reference.command_reference()) == []


def test_an_undocumented_command_or_option_is_caught():
    @click.command("shiny")
    @click.option("--colour")
    def shiny(colour):  # no docstring, no help
        pass

    documented = reference.command_reference()
    assert undocumented_commands({"shiny": shiny}, documented) == ["shiny"]
    assert undocumented_commands({"shiny": shiny}, documented + "\n### `shiny`\n") == ["shiny"]


def test_flask_migrate_commands_are_documented_by_hand():
    commands = _page("operating/commands.md")
    for command in ("db upgrade", "db migrate", "db downgrade", "db current"):
        assert f"`{command}" in commands


# --- Make targets ----------------------------------------------------------------------------


def make_targets() -> list[str]:
    makefile = (ROOT / "Makefile").read_text()
    phony = re.findall(r"^\.PHONY:(.*)$", makefile, flags=re.M)
    return [target for line in phony for target in line.split()]


def undocumented_targets(targets: list[str], docs: str) -> list[str]:
    return [target for target in targets if not re.search(rf"make {target}(?![\w-])", docs)]


def test_every_make_target_is_documented():
    targets = make_targets()
    assert {"run", "test", "test-fast", "lint", "docs"} <= set(targets)
    assert undocumented_targets(targets, _written_docs()) == []


def test_an_undocumented_make_target_is_caught():
    # "make test-fast" does not document a target called "test-f".
    assert undocumented_targets(["test-f"], "make test-fast") == ["test-f"]


# --- CSV import columns ----------------------------------------------------------------------


def undocumented_columns(columns, markdown: str) -> list[str]:
    return [
        column.name
        for column in columns
        if not column.meaning.strip() or f"`{column.name}`" not in markdown
    ]


def test_every_csv_import_column_is_documented():
    assert len(COLUMN_NAMES) == len(COLUMNS) > 20
    assert undocumented_columns(COLUMNS, reference.csv_columns_reference()) == []


def test_an_undocumented_csv_column_is_caught():
    from app.imports.layout import Column

    new = Column("outcome_colour", "")
    assert undocumented_columns([new], reference.csv_columns_reference()) == ["outcome_colour"]


# --- The pages ask for the references ---------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "name"),
    [
        ("operating/configuration.md", "configuration"),
        ("operating/commands.md", "commands"),
        ("importing/csv-layout.md", "csv-columns"),
        ("api/exports.md", "export-columns"),
    ],
)
def test_each_generated_reference_is_on_its_page(page, name):
    assert f"<!-- reference: {name} -->" in _page(page).splitlines()
    assert name in reference.GENERATORS


def test_the_readme_is_short_and_points_into_the_docs():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.encode()) < 8 * 1024
    assert readme.startswith("# Coproduce\n\n```sh\nmake run ")
    assert "../shared" not in readme
    links = re.findall(r"\]\((docs/[^)#]+)", readme)
    assert links, "the README links into docs/"
    assert [link for link in links if not (ROOT / link).exists()] == []


# --- The built site needs nothing from elsewhere ----------------------------------------------


class _AssetReferences(HTMLParser):
    """Addresses a browser would fetch on its own: scripts, styles, images, frames, fonts."""

    FETCHED = {"script": "src", "img": "src", "iframe": "src", "source": "src", "embed": "src"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in self.FETCHED and values.get(self.FETCHED[tag]):
            self.found.append(values[self.FETCHED[tag]])
        if tag == "link" and values.get("href"):
            relations = set((values.get("rel") or "").split())
            if relations - {"canonical", "alternate", "prev", "next", "search"}:
                self.found.append(values["href"])


def external_assets(site: Path) -> list[str]:
    external = re.compile(r"^(https?:)?//", re.I)
    found = []
    for page in site.rglob("*.html"):
        parser = _AssetReferences()
        parser.feed(page.read_text())
        found += [f"{page.name}: {url}" for url in parser.found if external.match(url)]
    for sheet in site.rglob("*.css"):
        urls = re.findall(
            r"(?:url\(\s*['\"]?|@import\s+['\"])((?:https?:)?//[^'\")\s]+)", sheet.read_text()
        )
        found += [f"{sheet.name}: {url}" for url in urls]
    return found


def test_an_external_asset_is_caught(tmp_path):
    (tmp_path / "page.html").write_text(
        '<link rel="stylesheet" href="https://fonts.example/css"><a href="https://example.org">x</a>'
    )
    (tmp_path / "site.css").write_text("@font-face { src: url(https://fonts.example/a.woff2) }")
    assert external_assets(tmp_path) == [
        "page.html: https://fonts.example/css",
        "site.css: https://fonts.example/a.woff2",
    ]


def test_the_site_builds_offline_with_no_warnings(tmp_path):
    site = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=120,
    )
    assert build.returncode == 0, build.stderr
    assert (site / "operating" / "configuration.html").exists()
    assert external_assets(site) == []
    configuration = (site / "operating" / "configuration.html").read_text()
    assert 'id="SECRET_KEY"' in configuration
