# Coproduce local configuration. Copy to instance/config.py and change what you need.
# Order of precedence: defaults in app/config.py < this file < environment variables.
# Every key below can also be set as an environment variable of the same name.

# Signs sessions, CSRF tokens and password-reset links. Give every worker and instance the same
# value. `make run` writes a random one to instance/secret_key when none is set; a production
# server (gunicorn.conf.py) refuses to start without one. Never commit a real key.
# SECRET_KEY = "a long random string"

# A production server (gunicorn) refuses the generated instance/secret_key unless this is
# set: two instances that each generated one reject each other's sessions and forms. Set it
# only for a single instance (`make serve` does, and warns). At start gunicorn logs the key's
# fingerprint (8 hex digits of an HMAC): every instance must log the same one.
# ALLOW_INSTANCE_SECRET_KEY = False

# SQLAlchemy database URL. Default: SQLite at instance/coproduce.sqlite3 (WAL, busy timeout).
# PostgreSQL: "postgresql+psycopg://user:password@host:5432/coproduce" (install the
# `postgres` extra).
# DATABASE_URL = None
# PostgreSQL: seconds to wait for a new connection to the database server before giving up
# (the request is answered 503 with Retry-After) instead of waiting as long as the network
# keeps trying.
# DATABASE_CONNECT_TIMEOUT = 5
# Seconds any one statement of a web request may run before PostgreSQL cancels it or SQLite
# interrupts it (the request is answered 503 with Retry-After): a query stuck behind a lock or
# gone slow cannot hold a gunicorn thread for ever. Streamed exports, the worker and commands
# (imports, backups, reindexing, migrations) have no such limit. 0: none. On SQLite the wait
# for the write lock is bounded by its busy timeout (10 s) instead.
# DATABASE_STATEMENT_TIMEOUT = 30.0
# SQLite: bytes of the database file read through a memory map instead of a system call per
# page (a large export or list reads thousands of scattered pages). 0 turns it off; the
# operating system's page cache holds the pages either way.
# SQLITE_MMAP_SIZE = 1073741824

# Redis, for rate-limit counters (and caches) shared by every worker and instance.
# Without it, counters live in instance/ratelimits.sqlite3, shared by every process of one
# machine only: gunicorn warns at start when DATABASE_URL is PostgreSQL (several machines)
# and this is not set.
# REDIS_URL = "redis://127.0.0.1:6379/0"

# Geocoder: "offline" (default; place names from a shipped gazetteer and the app's
# neighbourhoods, no network) or "nominatim" (street addresses, via geopy's Nominatim).
# GEOCODER = "offline"

# Nominatim server, used when GEOCODER = "nominatim". The public server allows one request a
# second and requires a user agent that identifies the application with a contact address:
# the app refuses a NOMINATIM_USER_AGENT without an email or http(s) address in it.
# NOMINATIM_DOMAIN = "nominatim.openstreetmap.org"
# NOMINATIM_SCHEME = "https"
# NOMINATIM_USER_AGENT = "coproduce-example-council (webmaster@example.org)"
# Seconds to wait for Nominatim's answer before the place is left pending.
# NOMINATIM_TIMEOUT = 5.0
# Seconds between two requests to Nominatim, counted for every worker and instance together
# (through the database). The public server's policy: at least 1.
# NOMINATIM_INTERVAL = 1.0
# Look-ups made while a person waits (the place pickers, "near a place", "Find this place"):
# seconds each may take in all, its wait for the interval included (then the place is left
# pending for the worker), and how many may run at once in each web process (more are
# answered "try again in a moment"; keep it below gunicorn's threads per worker,
# GUNICORN_THREADS: gunicorn warns at start when it is not).
# GEOCODE_DEADLINE = 3.0
# GEOCODE_CONCURRENCY = 2

# UK postcodes: a service with the postcodes.io API (GET <url>/postcodes/<code>; open ONS
# data under the Open Government Licence), asked before the geocoder whenever a postcode is
# typed. Unset: with GEOCODER = "offline" postcodes cannot be looked up (no package ships
# open postcode centroids), and the form offers the map pin instead.
# POSTCODES_URL = "https://api.postcodes.io"
# Seconds to wait for the postcode service's answer.
# POSTCODES_TIMEOUT = 5.0

# A point further than this many kilometres from its neighbourhood's centre is flagged: the
# form, the API's answer and an import's report warn, and moderators see it in the queue.
# NEIGHBOURHOOD_WARN_KM = 10.0

# Map tiles: URL template and the attribution the tile provider requires. The content
# security policy allows images from this URL's origin.
# TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
# TILE_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'

# Photos. Files live under instance/media/ (MEDIA_STORAGE = "local", served by the app at
# /media/) or in an S3-compatible bucket (MEDIA_STORAGE = "s3"). Raw uploads and the sizes
# moderators preview stay under private/; copies of public photos go under public/, and
# MEDIA_URL is where browsers read those: the app's /media/ by default, or the bucket's public
# address for public/ (or a CDN in front of it). The content security policy allows images
# from MEDIA_URL's origin. See docs/operating/media.md.
# MEDIA_STORAGE = "local"
# MEDIA_URL = None
# The local storage's folder (default instance/media).
# MEDIA_ROOT = None
# The folder of the open-data downloads (/downloads/), which the worker rebuilds hourly when
# the published data changed; default instance/downloads. With several machines, a folder
# every web instance and the worker share.
# DOWNLOADS_ROOT = None
# S3_BUCKET = "coproduce-media"
# S3_ENDPOINT_URL = None
# S3_REGION = None
# Keys for the bucket; None lets boto3 find its own (AWS_* variables, an instance role).
# S3_ACCESS_KEY_ID = None
# S3_SECRET_ACCESS_KEY = None
# The largest photo file accepted, in bytes, and the most pixels (width × height) a photo may
# have: larger pictures are refused before they are decoded (a "decompression bomb").
# PHOTO_MAX_BYTES = 15 * 1024 * 1024
# PHOTO_MAX_PIXELS = 50_000_000

# Outgoing mail (confirmations, password resets, moderation decisions). Without MAIL_SERVER
# every message is written to the log and to instance/outbox/ instead of being sent.
# MAIL_SERVER = "smtp.example.org"
# MAIL_PORT = 25
# MAIL_FROM = "Coproduce <no-reply@example.org>"
# A council's relay usually wants STARTTLS on port 587 and a login:
# MAIL_USE_TLS = False
# Or TLS from the first byte (usually port 465); use one of the two, not both:
# MAIL_USE_SSL = False
# MAIL_USERNAME = None
# MAIL_PASSWORD = None
# Seconds to wait for each answer from the mail server before the attempt counts as failed.
# MAIL_TIMEOUT = 10.0
# Attempts per message (30 s apart, doubling) before it is marked failed for admins to see.
# MAIL_MAX_ATTEMPTS = 8
# Days a message is kept once sent, failed or suppressed (a mail log is personal data).
# MAIL_KEEP_DAYS = 30

# The site's public base URL. Links in mail and in files the worker makes are built on it
# (the worker has no request to take a host from). Set it in production: reset links then
# never depend on a request's Host header. Default: the request's host, or
# http://localhost:5000 in the worker.
# SITE_URL = "https://coproduce.example.org"

# Background work (mail, geocoding, imports, rebuilds) runs in worker processes
# (`flask --app app worker`). The queue is an SQLite file in the instance folder, or Redis
# when REDIS_URL is set (then workers may run on any number of machines).
# TASKS_DATABASE = None  # default: instance/tasks.sqlite3
# Threads in each worker process.
# TASKS_WORKERS = 2
# Run each task at once, in the process that queues it, instead of in a worker (the tests do).
# TASKS_EAGER = False
# Seconds without a worker's heartbeat after which /readyz reports the worker as gone.
# WORKER_STALE_SECONDS = 120
# Seconds after which a job without progress, or a message claimed but not recorded as sent,
# counts as abandoned by a worker that died: the sweep runs it again (the one duplicate
# mail that remains possible is a worker dying after the server accepted the message).
# TASKS_STALE_SECONDS = 600

# Number of trusted reverse proxies / load balancers in front of the app. Client addresses
# (for rate limits) and https detection then come from their X-Forwarded-* headers.
# Leave 0 when the app is reached directly, or clients could forge their address.
# PROXY_COUNT = 0

# Strict-Transport-Security on every answer given over https (directly, or behind a proxy that
# says X-Forwarded-Proto: https, with PROXY_COUNT set): browsers then use only https for the
# site for this many seconds. 0 sends no header (for a site still trying https out; browsers
# forget the policy once a max-age of 0 reaches them).
# HSTS_MAX_AGE = 31536000
# Whether the policy also covers the site's subdomains (includeSubDomains). Turn it off only
# when a subdomain of the site's own host name must still be reached over plain http.
# HSTS_INCLUDE_SUBDOMAINS = True

# Time zone in which times are shown. Times are stored in UTC.
# TIMEZONE = "Europe/London"

# Licence of the public data, shown in API responses, exports and feeds, and its URL.
# DATA_LICENCE = "CC BY 4.0"
# DATA_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"

# The site's name, in page titles, mail and feeds.
# SITE_NAME = "Coproduce"

# Months after publication at which the worker asks a resident submitter for new values of
# their outcomes (comma-separated); after the last, yearly while the initiative is planned or
# active and has not ended.
# FOLLOWUP_MONTHS = "3,6,12"

# --- Internal settings (rarely changed) ---

# Password hashing method for werkzeug's generate_password_hash.
# PASSWORD_HASH_METHOD = "scrypt:32768:8:1"

# How long password-reset links and email-confirmation links work, in seconds.
# PASSWORD_RESET_MAX_AGE = 3600
# EMAIL_CONFIRM_MAX_AGE = 259200

# How long a log-in lasts, in seconds, however busy the session: after it the person logs in
# again. Logging out and changing the password end sessions sooner.
# SESSION_MAX_AGE = 604800
# Seconds a follow-up link (mailed to a submitter) works.
# FOLLOWUP_LINK_MAX_AGE = 5184000
# Days after which an unanswered follow-up shows on the moderators' follow-ups page.
# FOLLOWUP_UNANSWERED_DAYS = 30
# Seconds an email alert's confirmation link works (unconfirmed alerts go after a week).
# ALERT_CONFIRM_MAX_AGE = 604800
# Initiatives listed in one alert mail, and measurements too; more are summed up as "and N
# more" with a link.
# ALERT_MAIL_CAP = 20
# Email alerts (pending or confirmed) that one address may hold.
# ALERTS_PER_ADDRESS = 20
# When weekly alert digests go out: the weekday (0 Monday ... 6 Sunday) and hour in TIMEZONE.
# ALERT_WEEKLY_DAY = 0
# ALERT_WEEKLY_HOUR = 8
# Minutes an alert window is left to settle before it is mailed: what was published (or
# measured) in it but committed a little later, by a moderator's approval or a request still
# running, is still mailed, once. Longer than any request; an import that runs longer than
# a tenth of it stamps its publications again at commit, however long it ran.
# ALERT_SETTLE_MINUTES = 10
# The hour (in TIMEZONE) moderators' daily digest of their queue goes out.
# QUEUE_DIGEST_HOUR = 8

# Rate limits (Flask-Limiter notation), counted per client address.
# RATELIMIT_LOGIN = "10 per minute;60 per hour"
# RATELIMIT_REGISTER = "5 per minute;30 per hour"
# RATELIMIT_RESET = "5 per minute;30 per hour"
# Posts of the submission form (adding or removing a participant row posts it too).
# RATELIMIT_SUBMIT = "60 per minute;600 per hour"
# Reports of published initiatives ("report this").
# RATELIMIT_REPORT = "5 per hour"
# Posts of the email-alert form (each may send a confirmation mail).
# RATELIMIT_ALERTS = "10 per hour;30 per day"
# Place searches and reverse look-ups of the place pickers (/places/search, /places/reverse).
# The neighbourhood suggestion (/places/neighbourhood) asks no geocoder and is not counted.
# RATELIMIT_GEOCODE = "20 per minute;200 per hour"
# Writes through the API with a bearer token (POST /api/v1/initiatives), per token holder.
# RATELIMIT_API_WRITE = "10 per minute;100 per hour"
# Spreadsheet uploads on the council import page.
# RATELIMIT_IMPORT = "10 per hour"
# Photo uploads, per person.
# RATELIMIT_PHOTO = "30 per hour"

# How long browsers and caches may keep embeds, feeds and oEmbed answers before asking again
# (they revalidate with ETag / Last-Modified and get a 304 when nothing changed), in seconds.
# PUBLIC_CACHE_SECONDS = 300
# Whole answers of embeds, feeds, oEmbed, the GeoJSON export and the API list are kept in a
# cache (Redis with REDIS_URL, shared by every worker and instance; else each process's
# memory), keyed by the request and the data version, so any public change retires them at
# once. How long an answer is kept at most, in seconds (0 keeps none); answers larger than
# OUTPUT_CACHE_MAX_BYTES are never kept; keys in Redis start with OUTPUT_CACHE_KEY_PREFIX.
# OUTPUT_CACHE_SECONDS = 3600
# OUTPUT_CACHE_MAX_BYTES = 8_000_000
# OUTPUT_CACHE_KEY_PREFIX = "coproduce-output:"
# Items per API page when a client gives no `limit`, and the most it may ask for.
# API_DEFAULT_LIMIT = 20
# API_MAX_LIMIT = 100
# The most examples one embed shows (`limit`), and the entries in a feed.
# EMBED_MAX_LIMIT = 50
# FEED_LIMIT = 50
# The most rows one CSV import may hold.
# IMPORT_MAX_ROWS = 200000
# IMPORT_MAX_BYTES = 50 * 1024 * 1024   # the import page's own upload limit (the site's: MAX_CONTENT_LENGTH)
# IMPORT_KEEP_HOURS = 24                # uploaded files not imported are deleted after this

# Prefix of the rate-limit keys in Redis, to share one Redis between several sites.
# RATELIMIT_KEY_PREFIX = "coproduce"
