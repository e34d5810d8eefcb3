"""MkDocs hook: the reference sections generated from the code when the site is built.

A page asks for one with a line of its own, ``<!-- reference: configuration -->``, and the hook
puts the generated Markdown there. Nothing generated is committed, so the reference cannot
drift from the code: the configuration from ``app/config.py`` and the comments of
``instance/config.example.py``, the commands from the Flask CLI, the CSV import columns from
``app/imports/layout.py`` and the CSV export's columns from ``app/api/export_csv.py``.
``tests/test_docs.py`` reads the same functions.
"""

from __future__ import annotations

import ast
import io
import os
import re
import secrets
import tempfile
import tokenize
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = ROOT / "instance" / "config.example.py"
CONFIG_MODULE = ROOT / "app" / "config.py"
MARKER = re.compile(r"^<!-- reference: ([a-z-]+) -->$", re.M)

FLASK_SECTION = "Flask and extension settings"
# Flask-Migrate's group, documented by hand on the commands page (it is not ours).
MIGRATE_GROUP = "db"
CLI = "flask --app app"


# --- Configuration -------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    key: str
    section: str
    explanation: str
    default: str  # as Python source
    example: str | None  # the value config.example.py shows, when it differs from the default
    environment: type | None  # how the environment variable is read; None: not read


_SECTION = re.compile(r"^# -+ (.+?) -+$")
_KEY_LINE = re.compile(r"^# ([A-Z][A-Z0-9_]*) = (.*)$")


def example_comments(text: str) -> dict[str, tuple[str, str, str]]:
    """Each key of the example config with (section, explanation, value shown).

    A key's explanation is the comment block just above it; keys that follow one another with
    no new words between them share the block (``NOMINATIM_DOMAIN`` and ``NOMINATIM_SCHEME``).
    A blank line ends a block.
    """
    found: dict[str, tuple[str, str, str]] = {}
    section = "Main settings"
    words: list[str] = []
    shared = ""
    for line in text.splitlines():
        line = line.rstrip()
        if not line:
            words, shared = [], ""
        elif heading := _SECTION.match(line):
            section, words, shared = heading.group(1), [], ""
        elif key_line := _KEY_LINE.match(line):
            if words:
                shared, words = " ".join(words), []
            found[key_line.group(1)] = (section, shared, key_line.group(2).strip())
        elif line.startswith("#"):
            words.append(line.lstrip("#").strip())
    return found


def defaults_comments(source: str) -> dict[str, str]:
    """The comment at the end of each ``KEY = ...`` line of ``class Defaults``."""
    tree = ast.parse(source)
    defaults = next(
        node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Defaults"
    )
    lines: dict[int, str] = {}
    for statement in defaults.body:
        target = (
            getattr(statement, "target", None)
            or (getattr(statement, "targets", None) or [None])[0]
        )
        if isinstance(target, ast.Name) and target.id.isupper():
            lines[statement.end_lineno or statement.lineno] = target.id
    comments: dict[str, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and token.start[0] in lines:
            comments[lines[token.start[0]]] = token.string.lstrip("#").strip()
    return comments


def settings() -> list[Setting]:
    """Every key of ``Defaults`` and ``ENVIRONMENT_KEYS``, in the order of ``Defaults``."""
    from app.config import ENVIRONMENT_KEYS, Defaults

    example = example_comments(EXAMPLE_CONFIG.read_text())
    inline = defaults_comments(CONFIG_MODULE.read_text())
    keys = [key for key in vars(Defaults) if key.isupper()]
    keys += [key for key in ENVIRONMENT_KEYS if key not in keys]
    found = []
    for key in keys:
        default = repr(getattr(Defaults, key)) if hasattr(Defaults, key) else "None"
        section, explanation, shown = example.get(key, (FLASK_SECTION, "", default))
        if not explanation and key in inline:
            explanation = _sentence(inline[key])
        if shown != default and _same_value(shown, getattr(Defaults, key, None)):
            shown = default
        found.append(
            Setting(
                key=key,
                section=section,
                explanation=explanation,
                default=default,
                example=shown if shown != default else None,
                environment=ENVIRONMENT_KEYS.get(key),
            )
        )
    return found


def _same_value(source: str, value: Any) -> bool:
    try:
        return ast.literal_eval(source) == value
    except (ValueError, SyntaxError):
        return False


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


ENVIRONMENT_TYPES = {str: "text", int: "a whole number", float: "a number"}


def configuration_reference() -> str:
    """Markdown: every setting, grouped by section, with its default and explanation."""
    out: list[str] = []
    section = None
    for setting in settings():
        if setting.section != section:
            section = setting.section
            out.append(f"## {section}\n")
        out.append(f"### `{setting.key}` {{#{setting.key}}}\n")
        out.append(f"{setting.explanation}\n")
        facts = [f"Default: `{setting.default}`"]
        if setting.example is not None:
            facts.append(f"example: `{setting.example}`")
        if setting.environment is not None:
            kind = ENVIRONMENT_TYPES.get(setting.environment, setting.environment.__name__)
            facts.append(f"environment variable `{setting.key}` ({kind})")
        else:
            facts.append("only in `instance/config.py`")
        out.append(" · ".join(facts) + "\n")
    return "\n".join(out)


def _cell(text: str) -> str:
    """Text for a Markdown table cell."""
    return text.replace("|", "\\|")


# --- Commands --------------------------------------------------------------------------------


def flask_commands() -> dict[str, click.Command]:
    """The commands ``flask --app app`` offers, read from an app made for the purpose.

    The app has a throwaway secret key, an in-memory SQLite database and a temporary instance
    folder, so building the docs never reads or writes ``instance/``.
    """
    from app import create_app

    with tempfile.TemporaryDirectory() as instance:
        previous = os.environ.get("COPRODUCE_INSTANCE")
        os.environ["COPRODUCE_INSTANCE"] = instance
        try:
            app = create_app({"SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": "sqlite://"})
        finally:
            if previous is None:
                del os.environ["COPRODUCE_INSTANCE"]
            else:
                os.environ["COPRODUCE_INSTANCE"] = previous
        return dict(app.cli.commands)


def _default(option: click.Option) -> Any:
    value = option.default
    if option.is_flag or value is None or callable(value) or repr(value).endswith("UNSET"):
        return None
    return value


def _option_row(option: click.Option, context: click.Context) -> str:
    names = ", ".join(f"`{name}`" for name in option.opts + option.secondary_opts)
    meaning = _cell(option.help or "")
    if isinstance(option.type, click.Choice):
        names += f" `{(option.name or '').upper()}`"
        choices = ", ".join(f"`{choice}`" for choice in option.type.choices)
        meaning = f"{meaning} One of {choices}.".strip()
    elif not option.is_flag:
        names += f" `{option.make_metavar(context)}`"
    default = _default(option)
    shown = f"`{default}`" if default not in (None, "") else ""
    return f"| {names} | {meaning} | {shown} |"


def command_reference() -> str:
    """Markdown: every command with its usage, what it does and each option."""
    out: list[str] = []
    for name, command in sorted(flask_commands().items()):
        if name == MIGRATE_GROUP:
            continue
        context = click.Context(command, info_name=f"{CLI} {name}")
        usage = " ".join([f"{CLI} {name}", *command.collect_usage_pieces(context)])
        out.append(f"### `{name}` {{#{name}}}\n")
        out.append(f"{(command.help or '').strip()}\n")
        out.append(f"```sh\n{usage}\n```\n")
        options = [
            param
            for param in command.get_params(context)
            if isinstance(param, click.Option) and "--help" not in param.opts
        ]
        if options:
            out.append("| option | meaning | default |\n|---|---|---|")
            out.extend(_option_row(option, context) for option in options)
            out.append("")
    return "\n".join(out)


# --- CSV columns -----------------------------------------------------------------------------


def csv_columns_reference() -> str:
    """Markdown: the import layout's columns as the upload page documents them, then all names."""
    from app.imports.layout import COLUMN_NAMES, documented_columns

    out = [
        "| column | needed for a new initiative | what it holds | example |",
        "|---|---|---|---|",
    ]
    for column in documented_columns():
        example = f"`{column.example}`" if column.example else ""
        out.append(
            f"| `{column.name}` | {column.needed or 'no'} | {_cell(column.meaning)} "
            f"| {_cell(example)} |"
        )
    names = ", ".join(f"`{name}`" for name in COLUMN_NAMES)
    out.append(f"\nEvery column, in the template's order: {names}.\n")
    return "\n".join(out)


def export_columns_reference() -> str:
    """Markdown: the columns of the API's CSV export, in order."""
    from app.api.export_csv import csv_header

    return ", ".join(f"`{name}`" for name in csv_header()) + "\n"


GENERATORS: dict[str, Callable[[], str]] = {
    "configuration": configuration_reference,
    "commands": command_reference,
    "csv-columns": csv_columns_reference,
    "export-columns": export_columns_reference,
}


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """Put each generated reference where its page's marker stands."""
    from mkdocs.exceptions import PluginError

    def generate(marker: re.Match[str]) -> str:
        name = marker.group(1)
        if name not in GENERATORS:
            raise PluginError(f"{page.file.src_path}: no reference called {name!r}")
        return GENERATORS[name]()

    return MARKER.sub(generate, markdown)
