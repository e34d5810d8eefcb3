"""``flask --app app bench-data N`` and ``flask --app app rebuild-map``."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.map_cells.bench_data import create_bench_initiatives
from app.map_cells.cells import rebuild_map_cells


@click.command("bench-data")
@with_appcontext
@click.argument("count", type=click.IntRange(min=1, max=10_000_000))
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the random data.")
def bench_data_command(count: int, seed: int):
    """Add COUNT synthetic published initiatives spread over Great Britain (for benchmarks)."""
    start = time.perf_counter()
    with click.progressbar(length=count, label="Adding initiatives") as bar:
        placed = create_bench_initiatives(count, seed=seed, progress=bar.update)
    elapsed = time.perf_counter() - start
    click.echo(f"Added {count} published initiatives in {elapsed:.1f} s.")
    click.echo(f"The map now holds {placed} published initiatives.")


@click.command("rebuild-map")
@with_appcontext
def rebuild_map_command():
    """Recompute the map's points and cell totals from the initiatives."""
    start = time.perf_counter()
    placed = rebuild_map_cells(db.session.connection())
    db.session.commit()
    click.echo(
        f"Rebuilt the map of {placed} published initiatives in "
        f"{time.perf_counter() - start:.1f} s."
    )


commands = (bench_data_command, rebuild_map_command)
