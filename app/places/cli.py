"""``flask --app app geocode``: look up the places a geocoder outage left pending."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.places.services import count_pending_places, geocode_pending_places


@click.command("geocode")
@with_appcontext
def geocode_command():
    """Look up places still pending (after a geocoder outage), with a progress bar."""
    total = count_pending_places()
    db.session.commit()
    if not total:
        click.echo("No places are waiting to be looked up.")
        return
    with click.progressbar(length=total, label="Looking up places") as bar:
        summary = geocode_pending_places(progress=bar.update)
    click.echo(f"Located: {summary.located}.")
    click.echo(f"Not found (shown at their neighbourhood): {len(summary.not_found)}.")
    for initiative_id, title, place_name in summary.not_found:
        click.echo(f"  #{initiative_id} {title}: no match for “{place_name}”")
    click.echo(f"Still pending: {summary.still_pending}.")
    if summary.stopped:
        raise click.ClickException(
            f"Stopped early: {summary.stopped}. Run `geocode` again later for the rest."
        )


commands = (geocode_command,)
