"""Embeds for other sites: /embed/ pages, /embed.js and oEmbed.

Embed pages are the only pages other sites may frame (app/security.py). They are rendered from
their own minimal templates: no site chrome, no forms, nothing that reads or writes the
session, so they never set a cookie.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _

from app.caching import public_output
from app.clusters.services import (
    ExampleSet,
    cluster_example_set,
    example_points,
    filtered_example_set,
    find_published_cluster,
    introduction_excerpt,
)
from app.embeds import oembed, sharing
from app.embeds.fitting import total_examples
from app.embeds.services import (
    INTRODUCTION_LENGTH,
    EmbedOptions,
    filter_page_url,
    read_options,
    without_options,
)
from app.extensions import db
from app.i18n import lazy_text as _l
from app.initiatives.examples import example_text
from app.initiatives.models import Initiative
from app.initiatives.public import published_initiatives
from app.initiatives.services import credit_line, initiative_url
from app.shared_filters.parse import is_slug, parse_filters

bp = Blueprint("embeds", __name__)
for _name, _function in sharing.TEMPLATE_GLOBALS.items():
    bp.add_app_template_global(_function, _name)

NOT_FOUND = _l("There is nothing to show at this address: it may not be published (yet).")


@bp.route("/embed/clusters/<slug>")
@public_output
def embed_cluster(slug: str):
    """A published cluster's examples, for other sites to frame."""
    options, errors = read_options(request.args)
    if errors:
        return _problem(400, _("This embed’s options are not valid."), errors)
    cluster = find_published_cluster(slug) if is_slug(slug) else None
    if cluster is None:
        return _problem(404, NOT_FOUND)
    example_set = cluster_example_set(cluster, options.limit)
    page_url = url_for("clusters.show_cluster", slug=cluster.slug, _external=True)
    return _embed_response(
        example_set,
        options,
        page_url,
        introduction=introduction_excerpt(cluster, INTRODUCTION_LENGTH),
    )


@bp.route("/embed/initiatives")
@public_output
def embed_initiatives():
    """The newest published initiatives matching the shared filters, for other sites to frame."""
    options, errors = read_options(request.args)
    filters = without_options(request.args)
    if errors:
        errors.update(parse_filters(filters)[1])
        return _problem(400, _("This embed’s filters or options are not valid."), errors)
    example_set = filtered_example_set(filters, options.limit)
    if example_set.errors:
        return _problem(400, _("This embed’s filters are not valid."), example_set.errors)
    page_url = filter_page_url(example_set.initiative_filter)
    return _embed_response(example_set, options, page_url)


@bp.route("/embed/initiatives/<int:initiative_id>")
@public_output
def embed_initiative(initiative_id: int):
    """One published initiative as a card, for other sites to frame (what oEmbed offers)."""
    options, errors = read_options(request.args)
    if errors:
        return _problem(400, _("This embed’s options are not valid."), errors)
    initiative = db.session.scalar(published_initiatives().where(Initiative.id == initiative_id))
    if initiative is None:
        return _problem(404, NOT_FOUND)
    return render_template(
        "embeds/initiative.html",
        initiative=initiative,
        example=example_text(initiative),
        credit=credit_line(initiative),
        page_url=initiative_url(initiative, _external=True),
        options=options,
    )


@bp.route("/embed/", defaults={"unknown": ""})
@bp.route("/embed/<path:unknown>")
def embed_not_found(unknown: str):
    """Any other address under /embed/: a chrome-free "not found" that frames can show."""
    return _problem(404, NOT_FOUND)


@bp.route("/embed.js")
def embed_script():
    """The loader bloggers paste: it turns its own <script> tag into an auto-resizing iframe."""
    static_folder = current_app.static_folder
    if static_folder is None:
        raise RuntimeError("Coproduce is made with a static folder; this app has none.")
    response = send_from_directory(
        Path(static_folder) / "js",
        "embed.js",
        mimetype="text/javascript",
        max_age=current_app.config["PUBLIC_CACHE_SECONDS"],
    )
    response.cache_control.public = True
    return response


@bp.route("/oembed")
@public_output
def oembed_answer():
    """oEmbed 1.0 (JSON, type rich) for initiative, cluster and filtered-list addresses."""
    return oembed.answer(request.args)


def _embed_response(
    example_set: ExampleSet, options: EmbedOptions, page_url: str, introduction: str = ""
):
    """An example set as an embed page (public_output adds ETag and Cache-Control)."""
    total = total_examples(example_set, options.limit)
    points = example_points(example_set, external=True) if options.layout == "map" else []
    return render_template(
        "embeds/examples.html",
        example_set=example_set,
        examples=example_set.examples,
        total=total,
        options=options,
        page_url=page_url,
        introduction=introduction,
        points=points,
        initiative_url=initiative_url,
    )


def _problem(status: int, message: str, errors: dict[str, str] | None = None):
    """A chrome-free error page an iframe can show, listing what was wrong."""
    page = render_template("embeds/problem.html", status=status, message=message, errors=errors)
    return page, status, {"Cache-Control": "no-store"}
