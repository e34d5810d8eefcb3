"""``flask --app app import-csv FILE``: check a council's CSV, and with ``--commit`` import it.

The command works here and now, for operators (no worker needed): a progress bar on standard
error for each step, the report on standard output. After an import it waits for the search
index and the map to be rebuilt (on a worker if one runs, else here).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.accounts.services import find_user_by_email
from app.imports.parsing import ImportFileError
from app.imports.places import STEPS
from app.imports.planning import ImportReport
from app.imports.services import (
    IMPORT_STATES,
    ImportConflict,
    ImportNotAllowed,
    import_initiatives,
    no_progress,
)
from app.tasks.cli import finish_job

EXIT_REJECTED = 1


def progress_bar(step: str, total: int):
    """Click's progress bar on standard error (nothing when there is nothing to do)."""
    if not total:
        return no_progress(step, total)
    return click.progressbar(
        length=total,
        label=str(STEPS[step]),
        file=sys.stderr,
        show_pos=True,
        show_eta=True,
    )


@click.command("import-csv")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--as",
    "email",
    metavar="EMAIL",
    help=(
        "The council officer or admin importing (needed with --commit; a dry run without it "
        "checks the rows as an admin's)."
    ),
)
@click.option(
    "--state",
    type=click.Choice(IMPORT_STATES),
    default="pending",
    show_default=True,
    help="Whether new initiatives wait for review or are published at once.",
)
@click.option("--commit", is_flag=True, help="Write to the database (default: a dry run).")
def import_csv_command(file: Path, email: str | None, state: str, commit: bool):
    """Check a CSV of initiatives row by row; with --commit, import it (all or nothing)."""
    if email is None and commit:
        raise click.BadParameter("--commit needs --as EMAIL: who imports.", param_hint="--as")
    importer = find_user_by_email(email) if email is not None else None
    if email is not None and importer is None:
        raise click.BadParameter(f"No user has the email {email}.", param_hint="--as")
    max_bytes = current_app.config["IMPORT_MAX_BYTES"]
    if file.stat().st_size > max_bytes:
        raise click.ClickException(f"{file} is larger than {max_bytes / 2**20:g} MB.")
    try:
        report = import_initiatives(
            file.read_bytes(),
            file.name,
            importer,
            state,
            commit=commit,
            progress=progress_bar,
        )
    except ImportNotAllowed as error:
        raise click.BadParameter(
            f"{error} Only council officers and admins import.", param_hint="--as"
        ) from error
    except ImportFileError as error:
        raise click.ClickException(f"{file.name}: {error}") from error
    except ImportConflict as error:
        raise click.ClickException(str(error)) from error
    if not commit:
        _print_rows(report, report.rows)
    elif report.rejected:
        _print_rows(report, [row for row in report.rows if row.action == "reject"])
    else:
        _print_rows(report, [row for row in report.rows if row.warnings])
    _print_summary(report, commit)
    if report.rejected:
        raise SystemExit(EXIT_REJECTED)
    if report.rebuild_job_id is not None:
        result = finish_job(
            report.rebuild_job_id, "Rebuilding the search index and the map", err=True
        )
        click.echo(
            f"The search index holds {result['searchable']:,} published initiatives, "
            f"the map {result['on_map']:,}.",
            err=True,
        )


def _print_rows(report: ImportReport, rows) -> None:
    for row in rows:
        title = " ".join(row.title.split()) or "(no title)"
        click.echo(f"line {row.line}\t{row.action}\t{title}")
        for reason in row.reasons:
            click.echo(f"\t\t{reason}")


def _print_summary(report: ImportReport, commit: bool) -> None:
    if report.committed:
        click.echo(
            f"Imported {report.filename}: {report.count('create')} created, "
            f"{report.count('update')} updated, {report.count('unchanged')} unchanged "
            f"(new initiatives {report.state})."
        )
    elif report.rejected:
        click.echo(
            f"{report.rejected} of {len(report.rows)} rows rejected: nothing "
            f"{'was' if commit else 'would be'} imported. Fix them and run again."
        )
    else:
        click.echo(f"Dry run, nothing written: {report.summary()}. Add --commit to import.")


commands = (import_csv_command,)
