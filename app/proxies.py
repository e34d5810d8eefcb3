"""Client addresses behind ``PROXY_COUNT`` trusted proxies, and a warning when it looks wrong.

With ``PROXY_COUNT=0`` behind a real proxy, every visitor shares the proxy's address (one
rate-limit counter for everyone); with ``PROXY_COUNT`` above 0 and the app reachable
directly, anyone can forge ``X-Forwarded-For``. Neither shows until it hurts, so the first
requests of each process are watched and the first sign of either is logged once.
"""

from __future__ import annotations

import threading

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

WATCHED_REQUESTS = 100  # requests per process looked at; after that, nothing is checked
NOT_WATCHED = ("/healthz", "/readyz")  # load balancers' checks come straight to the app


def init_proxies(app: Flask) -> None:
    """Trust ``PROXY_COUNT`` proxies for the client's address, and watch that it fits."""
    count = app.config["PROXY_COUNT"]
    if count:
        # Flask types wsgi_app as a method, yet wrapping it is how Flask's docs add middleware.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
        )
    watch = ProxyWatch(app, count)
    app.before_request(watch.check)


def proxy_count_problem(count: int, forwarded_for: str | None) -> str | None:
    """What a request's ``X-Forwarded-For`` says about ``PROXY_COUNT``, or None if it fits."""
    hops = [hop for hop in (forwarded_for or "").split(",") if hop.strip()]
    if count == 0 and hops:
        return (
            "Requests arrive with X-Forwarded-For but PROXY_COUNT is 0: behind a proxy or load "
            "balancer, every visitor shares its address (and its rate limits). Set PROXY_COUNT "
            "to the number of proxies in front of the app."
        )
    if count > 0 and len(hops) < count:
        return (
            f"PROXY_COUNT is {count} but a request arrived with "
            f"{len(hops) or 'no'} X-Forwarded-For address(es): if the app can be reached "
            "without the proxy, anyone can forge their address. Set PROXY_COUNT to the number "
            "of proxies in front of the app (0 when there are none)."
        )
    return None


class ProxyWatch:
    """Looks at the first requests of this process; warns once when PROXY_COUNT looks wrong."""

    def __init__(self, app: Flask, count: int):
        self.app = app
        self.count = count
        self.seen = 0
        self.lock = threading.Lock()

    def check(self) -> None:
        if self.seen >= WATCHED_REQUESTS or request.path in NOT_WATCHED:
            return
        problem = proxy_count_problem(self.count, request.headers.get("X-Forwarded-For"))
        with self.lock:
            if self.seen >= WATCHED_REQUESTS:
                return
            self.seen = WATCHED_REQUESTS if problem else self.seen + 1
        if problem:
            self.app.logger.warning("%s", problem)
