"""``flask --app app reindex-search``: rebuild the full-text index."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.extensions import db


@click.command("reindex-search")
@with_appcontext
def reindex_search_command():
    """Rebuild the full-text search index from the published initiatives."""
    from app.search.services import reindex_all

    indexed = reindex_all(db.session())
    db.session.commit()
    click.echo(f"Indexed {indexed} published initiatives for search.")


commands = (reindex_search_command,)
