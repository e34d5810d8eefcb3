"""Cached public outputs: ETags from the data version, and a cache of whole 200 answers.

Embeds, feeds, oEmbed answers, the GeoJSON export and the API list are functions of the
request (route, query, language, scheme and host) and of what is public, which the data
version (``app/data_version.py``) names. So ``public_output`` answers before the view runs:

- the ETag is a digest of the request's key and the data version's stamp: a request holding
  it gets 304 after one primary-key query, nothing loaded or rendered;
- a repeated 200 comes from the output cache under the same key (Redis when ``REDIS_URL`` is
  set, shared by every worker and instance; this process's memory otherwise). A public change
  gives every key a new stamp, so no entry outlives what it shows, on any instance;
- a client that accepts gzip gets a cached answer of text (JSON, GeoJSON, HTML, feeds)
  compressed, made once per entry and kept beside it, under its own ETag (``-gzip``): a
  city's GeoJSON is a tenth of its size on the wire. Every answer says ``Vary:
  Accept-Encoding``.

Requests from a signed-in person (a session with a user, or an ``Authorization`` header) and
answers that set a cookie are never cached. Redis that stops answering is skipped for a
moment (logged once) and the process's memory serves meanwhile: a cache never fails a request.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from functools import wraps
from typing import Any, cast

import orjson
import redis
from cachelib import SimpleCache
from cachelib.serializers import SimpleSerializer
from flask import Flask, Response, current_app, g, make_response, request, session

from app.data_version import Version, current_data_version
from app.languages import current_language

log = logging.getLogger(__name__)

EXTENSION = "output_cache"
RETRY_AFTER_OUTAGE = 5.0  # seconds before Redis is asked again after it failed
IN_PROCESS_ENTRIES = 500
# Headers an answer is rebuilt from; the rest (security, CORS, cookies) are added per request.
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Link", "Access-Control-Allow-Origin")
# Cached answers worth compressing for a client that accepts gzip: text, of some size.
COMPRESSIBLE_TYPES = (
    "text/",
    "application/json",
    "application/geo+json",
    "application/atom+xml",
    "application/rss+xml",
    "application/javascript",
)
COMPRESS_FROM_BYTES = 1024
GZIP_LEVEL = 6  # zlib's default: a city's GeoJSON (2.8 MB) in about 40 ms, to a tenth
GZIP_TAG = "-gzip"  # the compressed representation's ETag: the entry's, with this after it


def version_tag(*parts: object) -> str:
    """A short, stable fingerprint of everything a response depends on."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\x1f")
    return digest.hexdigest()[:32]


def latest(moments: Iterable[datetime | None]) -> datetime | None:
    """The newest of some times (None when there are none)."""
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


class _AsTheyAre(SimpleSerializer):
    """Entries kept as they are: a cached answer is a tuple of bytes and strings that no one
    changes, so the process's memory needs no pickled copy of it (a city's GeoJSON is 2.4 MB:
    unpickling it copied the whole body on every hit)."""

    def dumps(self, value: Any, protocol: int = 0) -> Any:
        return value

    def loads(self, bvalue: Any) -> Any:
        return bvalue


class MemoryCache(SimpleCache):
    """cachelib's ``SimpleCache`` (a bounded dict with expiry, behind a lock), unpickled."""

    serializer = _AsTheyAre()


Headers = tuple[tuple[str, str], ...]
# The body (None when only the gzipped body was read), the kept headers, the gzipped body
# (None until a client that accepts gzip asked for it).
Entry = tuple[bytes | None, Headers, bytes | None]


class MemoryAnswers:
    """Cached answers in this process's memory, up to ``IN_PROCESS_ENTRIES`` of them."""

    def __init__(self, seconds: int) -> None:
        self.cache = MemoryCache(threshold=IN_PROCESS_ENTRIES, default_timeout=seconds)

    def read(self, key: str, packed: bool) -> Entry | None:
        entry: Entry | None = self.cache.get(key)
        return entry

    def keep(self, key: str, entry: Entry) -> None:
        self.cache.set(key, entry)

    def keep_packed(self, key: str, entry: Entry) -> None:
        self.cache.set(key, entry)

    def clear(self) -> None:
        self.cache.clear()


class RedisAnswers:
    """Cached answers in Redis, shared by every worker and instance: each a hash of plain
    bytes (its kept headers as JSON, its body and, once a client that accepts gzip asked for
    it, its gzipped body) that expires after ``OUTPUT_CACHE_SECONDS``.

    A hit reads the headers and only the body it sends (``HMGET``): a pickled entry held both
    bodies, and each hit carried and unpickled the two. Nothing read back is unpickled, so
    what is in Redis is only ever read as data."""

    def __init__(self, client: redis.Redis, prefix: str, seconds: int) -> None:
        self.client = client
        self.prefix = prefix + "answer:"  # beside an older release's pickled entries
        self.seconds = seconds

    def read(self, key: str, packed: bool) -> Entry | None:
        name = self.prefix + key
        if packed:
            headers, body = self._fields(name, "headers", "gzip")
            if headers is not None and body is not None:
                return None, _headers_from(headers), body
        headers, body = self._fields(name, "headers", "body")
        if headers is None or body is None:
            return None
        return body, _headers_from(headers), None

    def _fields(self, name: str, *fields: str) -> list[bytes | None]:
        return cast(list[bytes | None], self.client.hmget(name, list(fields)))

    def keep(self, key: str, entry: Entry) -> None:
        body, headers, packed = entry
        fields: dict[str, bytes] = {"headers": orjson.dumps(headers)}
        if body is not None:
            fields["body"] = body
        if packed is not None:
            fields["gzip"] = packed
        name = self.prefix + key
        pipeline = self.client.pipeline()
        pipeline.hset(name, mapping=cast(Any, fields))
        pipeline.expire(name, self.seconds)
        pipeline.execute()

    def keep_packed(self, key: str, entry: Entry) -> None:
        """Add an entry's gzipped body beside its kept body (not sent again)."""
        _body, headers, packed = entry
        self.keep(key, (None, headers, packed))

    def clear(self) -> None:
        names = list(self.client.scan_iter(match=self.prefix + "*", count=1000))
        for start in range(0, len(names), 1000):
            self.client.delete(*names[start : start + 1000])


def _headers_from(text: bytes) -> Headers:
    return tuple((name, value) for name, value in orjson.loads(text))


class OutputCache:
    """Redis when configured, this process's memory otherwise (and while Redis is away)."""

    def __init__(self, app: Flask):
        config = app.config
        self.seconds = int(config["OUTPUT_CACHE_SECONDS"])
        self.max_bytes = int(config["OUTPUT_CACHE_MAX_BYTES"])
        self.memory = MemoryAnswers(self.seconds)
        self.shared: RedisAnswers | None = None
        if config.get("REDIS_URL"):
            client = redis.Redis.from_url(
                config["REDIS_URL"], socket_connect_timeout=0.5, socket_timeout=0.5
            )
            self.shared = RedisAnswers(client, config["OUTPUT_CACHE_KEY_PREFIX"], self.seconds)
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _store(self) -> MemoryAnswers | RedisAnswers:
        if self.shared is not None and time.monotonic() >= self._down_until:
            return self.shared
        return self.memory

    def _outage(self, error: Exception) -> None:
        with self._lock:
            if time.monotonic() >= self._down_until:
                log.warning(
                    "The output cache (Redis) is not answering (%s): answers are cached in "
                    "this process's memory until it is back; requests are served as usual.",
                    error,
                )
            self._down_until = time.monotonic() + RETRY_AFTER_OUTAGE

    def _on_store(self, action: Callable[[MemoryAnswers | RedisAnswers], Any]) -> Any:
        """``action`` on Redis (when configured and answering), else on the process's memory."""
        store = self._store()
        try:
            return action(store)
        except redis.RedisError as error:
            self._outage(error)
            return action(self.memory)

    def read(self, key: str, packed: bool) -> Entry | None:
        """The answer kept under ``key``; its gzipped body rather than its body when
        ``packed`` and one is kept."""
        entry: Entry | None = self._on_store(lambda store: store.read(key, packed))
        return entry

    def keep(self, key: str, entry: Entry) -> None:
        self._on_store(lambda store: store.keep(key, entry))

    def keep_packed(self, key: str, entry: Entry) -> None:
        """Keep the gzipped body an entry (read whole) was just given."""
        self._on_store(lambda store: store.keep_packed(key, entry))

    def clear(self) -> None:
        self.memory.clear()
        if self.shared is not None:
            try:
                self.shared.clear()
            except redis.RedisError as error:
                self._outage(error)


def init_output_cache(app: Flask) -> None:
    """Give the app its output cache (Redis is not contacted until a request needs it)."""
    app.extensions[EXTENSION] = OutputCache(app)


def output_cache() -> OutputCache:
    return current_app.extensions[EXTENSION]


def is_private_request() -> bool:
    """Whether the answer may depend on who asks: a bearer token, or a signed-in session."""
    if "Authorization" in request.headers:
        return True
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return False
    return "_user_id" in session


def output_key(version: Version) -> str:
    """The cache key and ETag of this request's answer at this data version: the route and
    its values, every query parameter (in a canonical order), the language, scheme, host,
    the settings an answer shows, and the data version's stamp."""
    query = sorted((name, tuple(values)) for name, values in request.args.lists() if any(values))
    return version_tag(
        request.endpoint,
        sorted(request.view_args.items()) if request.view_args else (),
        query,
        current_language(),
        request.scheme,
        request.host,
        request.script_root,
        _settings_fingerprint(),
        version.stamp,
    )


def _settings_fingerprint() -> str:
    """Every setting, digested once: a changed setting (or key) starts new entries."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    fingerprint = app.extensions.get("output_settings")
    if fingerprint is None:
        settings = sorted((key, repr(value)) for key, value in app.config.items())
        fingerprint = app.extensions["output_settings"] = version_tag(settings)
    return fingerprint


def _last_modified(version: Version) -> datetime | None:
    """The data version's time, to the second (HTTP's precision: two changes within one
    second are told apart by the ETag only, which is why the ETag is asked first)."""
    return version.changed_at.replace(microsecond=0) if version.changed_at else None


def _caching_headers(response: Response, etag: str, version: Version, private: bool) -> None:
    response.set_etag(etag)
    response.vary.add("Accept-Encoding")
    last_modified = _last_modified(version)
    if last_modified is not None:
        response.last_modified = last_modified
    if private:
        response.cache_control.private = True
    else:
        response.cache_control.public = True
    response.cache_control.max_age = current_app.config["PUBLIC_CACHE_SECONDS"]


def _not_modified(etag: str, version: Version, private: bool) -> Response | None:
    """304 when the client holds this version (ETag first; a date only when no ETag is sent)."""
    if request.if_none_match:
        held = request.if_none_match.contains(etag)
        if not held and request.if_none_match.contains(etag + GZIP_TAG):
            held, etag = True, etag + GZIP_TAG
    elif request.if_modified_since:
        last_modified = _last_modified(version)
        held = last_modified is not None and last_modified <= request.if_modified_since
    else:
        held = False
    if not held:
        return None
    response = Response(status=304)
    _caching_headers(response, etag, version, private)
    return response


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def _compressible(body: bytes, headers: Headers) -> bool:
    content_type = dict(headers).get("Content-Type", "")
    return len(body) >= COMPRESS_FROM_BYTES and content_type.startswith(COMPRESSIBLE_TYPES)


def _from_entry(key: str, entry: Entry) -> tuple[Response, str]:
    """The cached answer, gzipped for a client that accepts it (compressed on the first such
    hit and kept in the entry), and the ETag of what is sent."""
    body, headers, packed = entry
    etag = key
    if _accepts_gzip():
        if packed is None and body is not None and _compressible(body, headers):
            packed = gzip.compress(body, GZIP_LEVEL, mtime=0)
            output_cache().keep_packed(key, (body, headers, packed))
        if packed is not None:
            body, etag = packed, key + GZIP_TAG
    response = Response(body, status=200)
    for name, value in headers:
        response.headers[name] = value
    if etag != key:
        response.headers["Content-Encoding"] = "gzip"
    return response, etag


def _storable(response: Response) -> bool:
    """Only a public 200 for anyone: no cookie set now or by the session after the view."""
    return (
        response.status_code == 200
        and "Set-Cookie" not in response.headers
        and not response.cache_control.private
        and not response.cache_control.no_store
        and not session.modified
    )


def _kept_headers(response: Response) -> Headers:
    return tuple(
        (name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers
    )


def _remember(response: Response, key: str) -> None:
    """Keep the answer under its key: at once when whole, or as a streamed body passes by
    (kept only if it ends cleanly within OUTPUT_CACHE_MAX_BYTES)."""
    cache = output_cache()
    if cache.seconds <= 0:
        return
    headers = _kept_headers(response)
    if not response.is_streamed:
        body = response.get_data()
        if len(body) <= cache.max_bytes:
            cache.keep(key, (body, headers, None))
        return

    def passing(chunks: Iterable[bytes]) -> Iterator[bytes]:
        kept: list[bytes] | None = []
        size = 0
        for chunk in chunks:
            if kept is not None:
                size += len(chunk)
                if size <= cache.max_bytes:
                    kept.append(chunk)
                else:
                    kept = None
            yield chunk
        if kept is not None:  # the whole body went by: no error cut it short
            cache.keep(key, (b"".join(kept), headers, None))

    response.response = passing(response.iter_encoded())


def public_output(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a public output's view: 304 or a cached 200 before the view runs, else the
    view's answer with ETag, Last-Modified and Cache-Control, kept for the next request."""

    @wraps(view)
    def answer(*args: Any, **kwargs: Any) -> Any:
        if request.method not in ("GET", "HEAD"):
            return view(*args, **kwargs)
        private = is_private_request()  # the browser may keep it; no one else
        version = current_data_version()
        key = output_key(version)
        if (not_modified := _not_modified(key, version, private)) is not None:
            return not_modified
        entry = None if private else output_cache().read(key, _accepts_gzip())
        etag = key
        if entry is not None:
            g.output_cache = "hit"
            response, etag = _from_entry(key, entry)
        else:
            g.output_cache = "miss"
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200:
                return response
            if not private and request.method == "GET" and _storable(response):
                _remember(response, key)
        _caching_headers(response, etag, version, private)
        return response

    return answer


def clear_output_cache() -> None:
    """Forget every cached answer (tests; the data version makes this unnecessary in use)."""
    output_cache().clear()
