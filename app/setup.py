"""Binding extensions, blueprints, templates and commands to a new app."""

from __future__ import annotations

import logging

from flask import Flask

from app.extensions import csrf, db, login_manager, migrate
from app.i18n import lazy_text as _l
from app.json_bodies import AppJSONProvider, AppRequest
from app.urls import IdConverter

MIGRATIONS_DIRECTORY = "migrations"


def configure_app(app: Flask) -> None:
    """Everything ``create_app`` does after reading the configuration."""
    from app.proxies import init_proxies

    init_proxies(app)
    _init_logging(app)
    app.json = AppJSONProvider(app)
    app.request_class = AppRequest
    app.url_map.converters["int"] = IdConverter  # before any route is added
    _init_extensions(app)
    _register_blueprints(app)

    from app.languages import add_welsh_rules

    add_welsh_rules(app)  # after every blueprint: each HTML page gets its /cy/ twin

    from app.errors import register_error_handlers
    from app.outages import register_outage_handlers
    from app.security import init_security
    from app.templating import init_templating

    register_error_handlers(app)
    register_outage_handlers(app)
    init_security(app)
    init_templating(app)

    from app.cli import register_commands

    register_commands(app)


def _init_logging(app: Flask) -> None:
    """Let the app's INFO records (mail written to the outbox) reach the log.

    Python's root logger passes only warnings, and neither ``flask run`` nor gunicorn changes
    that for the app's logger; a level set by Flask's debug mode or by the host is kept.
    """
    if app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.INFO)


def _init_extensions(app: Flask) -> None:
    from app import (
        data_version,  # noqa: F401  (registers the public-change hook)
        models,  # noqa: F401  (every model known to SQLAlchemy and Alembic)
        task_registry,  # noqa: F401  (every task known to the queue)
    )
    from app.accounts.services import load_session_user
    from app.caching import init_output_cache
    from app.database import init_database
    from app.i18n import init_i18n
    from app.initiatives import public  # noqa: F401  (registers the location precision rule)
    from app.ratelimits import init_rate_limits
    from app.search.services import include_in_schema_comparison
    from app.tasks.queue import configure_queue

    db.init_app(app)
    init_database(app)
    migrate.init_app(
        app,
        db,
        directory=str(app.root_path + "/" + MIGRATIONS_DIRECTORY),
        render_as_batch=True,
        include_object=include_in_schema_comparison,
    )
    configure_queue(app)
    init_i18n(app)
    csrf.init_app(app)
    init_rate_limits(app)
    init_output_cache(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_session_user)


def _register_blueprints(app: Flask) -> None:
    from app.accounts.views import bp as accounts_bp
    from app.admin.background_views import bp as background_bp
    from app.admin.reference_views import bp as reference_bp
    from app.admin.views import bp as admin_bp
    from app.alerts.views import bp as alerts_bp
    from app.api.views import bp as api_bp
    from app.browse.views import bp as browse_bp
    from app.clusters.views import bp as clusters_bp
    from app.council.views import bp as council_bp
    from app.downloads.views import bp as downloads_bp
    from app.embeds.views import bp as embeds_bp
    from app.feeds.views import bp as feeds_bp
    from app.followups.views import bp as followups_bp
    from app.health.views import bp as health_bp
    from app.imports.views import bp as imports_bp
    from app.initiatives.views import bp as initiatives_bp
    from app.map_cells.views import bp as map_cells_bp
    from app.maps.views import bp as maps_bp
    from app.moderation.views import bp as moderation_bp
    from app.pages.vendor import bp as vendor_bp
    from app.pages.views import bp as pages_bp
    from app.photos.views import bp as media_bp
    from app.places.views import bp as places_bp
    from app.privacy.views import bp as privacy_bp
    from app.submissions.photo_views import bp as photos_bp
    from app.submissions.views import bp as submissions_bp
    from app.tokens.views import bp as tokens_bp

    blueprints = (
        pages_bp,
        health_bp,
        accounts_bp,
        privacy_bp,
        admin_bp,
        reference_bp,
        api_bp,
        browse_bp,
        initiatives_bp,
        submissions_bp,
        photos_bp,
        media_bp,
        moderation_bp,
        vendor_bp,
        maps_bp,
        places_bp,
        map_cells_bp,
        clusters_bp,
        feeds_bp,
        embeds_bp,
        council_bp,
        downloads_bp,
        imports_bp,
        tokens_bp,
        background_bp,
        followups_bp,
        alerts_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
