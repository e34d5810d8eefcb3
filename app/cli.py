"""Command-line commands: ``flask --app app <command>``.

Each feature's ``cli.py`` lists its commands in ``commands``; this module registers them all,
and holds the one command that spans features (``seed-demo``).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app.accounts.cli import new_password
from app.accounts.models import User
from app.extensions import db


@click.command("seed-demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Seed even when the database already has users.")
def seed_demo_command(force: bool):
    """Load demo data into an empty database and print the demo accounts."""
    from app.demo.seed import seed_demo

    has_users = db.session.scalar(select(func.count()).select_from(User))
    accounts_file = Path(current_app.instance_path) / "demo-accounts.txt"
    if has_users and not force:
        click.echo("The database already has data; demo data not loaded.")
        if accounts_file.exists():
            click.echo(f"Demo accounts are listed in {accounts_file}.")
        return
    accounts = seed_demo(password_for=lambda _role: new_password())
    db.session.commit()
    lines = [f"{role:<10} {email:<32} {password}" for role, email, password in accounts]
    text = "Demo accounts (role, email, password):\n" + "\n".join(lines) + "\n"
    accounts_file.parent.mkdir(parents=True, exist_ok=True)
    accounts_file.write_text(text)
    accounts_file.chmod(0o600)
    click.echo(text + f"(Also written to {accounts_file}.)")


def register_commands(app: Flask) -> None:
    """Add every feature's commands to ``flask --app app``."""
    from app.accounts import cli as accounts_cli
    from app.backup import cli as backup_cli
    from app.imports import cli as imports_cli
    from app.map_cells import cli as map_cells_cli
    from app.photos import cli as photos_cli
    from app.places import cli as places_cli
    from app.search import cli as search_cli
    from app.tasks import cli as tasks_cli
    from app.tokens import cli as tokens_cli

    features = (
        accounts_cli,
        backup_cli,
        imports_cli,
        photos_cli,
        map_cells_cli,
        places_cli,
        search_cli,
        tasks_cli,
        tokens_cli,
    )
    for feature in features:
        for command in feature.commands:
            app.cli.add_command(command)
    app.cli.add_command(seed_demo_command)
