"""Database connection rules: SQLite pragmas and write locks taken up front, and a deadline for
each statement of a web request (PostgreSQL cancels it; SQLite interrupts it)."""

from __future__ import annotations

import json
import math
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from flask import Flask, g, has_request_context, request
from sqlalchemy import (
    ARRAY,
    JSON,
    ColumnElement,
    Connection,
    DateTime,
    Dialect,
    Float,
    Numeric,
    Select,
    Table,
    any_,
    bindparam,
    case,
    event,
    func,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.cache_key import CacheKey
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault
from sqlalchemy.types import TypeDecorator

SQLITE_BUSY_TIMEOUT_MS = 10_000
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _begin_statement() -> str:
    """Writes take SQLite's write lock when their transaction starts.

    A deferred transaction that reads and then writes fails at once with "database is locked"
    when another writer got in between (the busy timeout cannot help it), so every transaction
    that may write begins IMMEDIATE. Safe requests (GET never changes state) only read and keep
    the cheaper deferred BEGIN, so readers never queue behind writers.
    """
    if has_request_context() and (request.method in SAFE_METHODS or g.get(WRITE_COMMITTED)):
        return "BEGIN"
    return "BEGIN IMMEDIATE"


WRITE_COMMITTED = "write_committed"
_WROTE = "wrote_in_request"


@event.listens_for(Session, "after_flush")
def _note_write(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _note_committed_write(session: Session) -> None:
    """Once a request's write is committed, what follows (the answer reading back what was
    saved) begins deferred: queueing for the write lock there, on a busy moment, could turn a
    saved write into an error. A later write in the same request still waits for the lock
    (busy timeout); only one that read first and lost a race fails, with nothing half-saved."""
    if session.info.pop(_WROTE, False) and has_request_context():
        setattr(g, WRITE_COMMITTED, True)


@event.listens_for(Session, "after_rollback")
def _forget_write(session: Session) -> None:
    session.info.pop(_WROTE, None)


def configure_sqlite(app: Flask, engine: Engine) -> None:
    """Set WAL, busy timeout and foreign keys on every connection, take over BEGIN, and give
    each statement of a web request its deadline."""
    mmap_size = int(app.config["SQLITE_MMAP_SIZE"])

    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN instead of the driver's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        # Pages read straight from the file's memory map, not copied in by a system call each:
        # an export's batch reads thousands of scattered index and table pages.
        cursor.execute(f"PRAGMA mmap_size = {mmap_size}")
        _ensure_math_functions(dbapi_connection, cursor)
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection: Connection) -> None:
        connection.exec_driver_sql(_begin_statement())

    if _limit_web_statements(app):
        _interrupt_late_statements(engine)


# SQLite's virtual-machine steps between two looks at the clock: a look costs well under a
# microsecond, and 10,000 steps take about a millisecond, so a deadline is kept to within one.
PROGRESS_STEPS = 10_000
_DEADLINE_SET = "sqlite_deadline_set"


def _interrupt_late_statements(engine: Engine) -> None:
    """SQLite has no statement timeout: a progress handler, set before each statement of a web
    request, interrupts it once DATABASE_STATEMENT_TIMEOUT has passed ("interrupted", an
    OperationalError, answered 503 like PostgreSQL's cancel). The worker, commands and lifted
    exports run without one. The wait for the write lock is bounded by the busy timeout."""

    @event.listens_for(engine, "before_cursor_execute")
    def set_deadline(connection: Connection, *_statement: Any) -> None:
        limit = g.get(STATEMENT_TIMEOUT) if has_request_context() else None
        entry = connection.connection
        if limit:
            ends = time.monotonic() + limit / 1000
            entry.dbapi_connection.set_progress_handler(  # type: ignore[union-attr]
                lambda: time.monotonic() > ends, PROGRESS_STEPS
            )
            entry.info[_DEADLINE_SET] = True
        else:
            _clear_deadline(entry)


def _clear_deadline(entry: Any) -> None:
    """No deadline on this SQLite connection (a pool entry) until a statement sets one."""
    if entry.info.pop(_DEADLINE_SET, False):
        entry.dbapi_connection.set_progress_handler(None, 0)


def _ensure_math_functions(dbapi_connection: sqlite3.Connection, cursor: sqlite3.Cursor) -> None:
    """Distance queries use sin, cos, asin and sqrt; some SQLite builds lack them."""
    try:
        cursor.execute("SELECT asin(0)")
    except sqlite3.OperationalError:
        for name, function in {
            "sin": math.sin,
            "cos": math.cos,
            "asin": math.asin,
            "sqrt": math.sqrt,
        }.items():
            dbapi_connection.create_function(name, 1, function, deterministic=True)


STATEMENT_TIMEOUT = "statement_timeout_ms"


def configure_postgresql(app: Flask, engine: Engine) -> None:
    """Give every statement of a web request DATABASE_STATEMENT_TIMEOUT seconds.

    A threaded gunicorn worker never kills a slow request, so a query stuck on a lock or a
    runaway plan would hold its thread (and its connection) for ever: PostgreSQL cancels it
    instead, and the request is answered 503 (``app.outages``). The limit is set per
    transaction (``SET LOCAL``, gone at commit or rollback, so pooled connections and
    transaction-pooling proxies keep no trace of it), and only in requests the app serves:
    the worker and commands (imports, backups, reindexing, migrations) run without it, and a
    streamed export lifts it (``lift_statement_timeout``).
    """
    if not _limit_web_statements(app):
        return

    @event.listens_for(engine, "begin")
    def begin(connection: Connection) -> None:
        limit = g.get(STATEMENT_TIMEOUT) if has_request_context() else None
        if limit:
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(limit)}")


def _limit_web_statements(app: Flask) -> bool:
    """Each request the app serves notes DATABASE_STATEMENT_TIMEOUT (in milliseconds) for its
    statements; False when the setting turns deadlines off (0)."""
    milliseconds = round(float(app.config["DATABASE_STATEMENT_TIMEOUT"]) * 1000)
    if milliseconds <= 0:
        return False

    @app.before_request
    def limit_statements() -> None:
        setattr(g, STATEMENT_TIMEOUT, milliseconds)

    return True


def lift_statement_timeout() -> None:
    """No statement deadline for the rest of this request: for work that may rightly run
    long while the client keeps reading (a streamed export of the whole dataset)."""
    from app.extensions import db

    if not has_request_context() or not g.pop(STATEMENT_TIMEOUT, None):
        return
    session = db.session()
    if not session.in_transaction():
        return
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        # The connection's handler would keep the last statement's deadline until the next
        # statement through SQLAlchemy; a raw read could come first.
        _clear_deadline(session.connection().connection)
    elif dialect == "postgresql":
        # It may have begun with the deadline: back to the server's own setting.
        session.execute(text("SET LOCAL statement_timeout TO DEFAULT"))


def init_database(app: Flask) -> None:
    """Attach the connection rules to the app's engine once it exists."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(app, engine)
        elif engine.dialect.name == "postgresql":
            configure_postgresql(app, engine)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Store timezone-aware datetimes (use app.timeutil.utcnow()).")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (its cursor's rowcount)."""
    if not isinstance(result, CursorResult):
        raise TypeError("Only a statement's own result knows how many rows it changed.")
    return result.rowcount


def read_batches(connection: Connection, query: Select) -> Iterator[list[tuple[Any, ...]]]:
    """A select's rows as the driver returns them, 50,000 at a time, through its own cursor:
    no row objects or type conversion per row (at a million rows they would cost more than the
    query). SQLite returns dates and times as text."""
    statement = DriverQuery(connection, query)
    try:
        yield from statement.raw_batches(50_000)
    finally:
        statement.close()


def in_ids(
    column: InstrumentedAttribute[Any], ids: list[int] | list[str], dialect: Dialect
) -> ColumnElement[bool]:
    """``column IN ids`` with the ids in one bound parameter, however many there are.

    An expanding ``IN`` renders one placeholder per value on every execution, which costs
    more than reading the rows when an export asks for a thousand initiatives' participants,
    outcomes and themes a batch at a time, or an import for its rows' external ids. SQLite
    reads the ids as a JSON array (``json_each``), PostgreSQL as an array of the column's
    type (``= ANY``); other databases get the plain ``IN``.
    """
    if dialect.name in ("sqlite", "postgresql"):
        return in_bound_ids(column, dialect, None, ids)
    return column.in_(ids)


def in_bound_ids(
    column: InstrumentedAttribute[Any], dialect: Dialect, key: str | None, ids: Any = None
) -> ColumnElement[bool]:
    """``in_ids`` with the parameter named ``key``: for a statement made once and run with
    each batch's ids, such as a ``DriverQuery`` (SQLite and PostgreSQL only)."""
    if dialect.name == "sqlite":
        values = func.json_each(bindparam(key, ids, type_=JSON))
        return column.in_(select(values.table_valued("value").c.value))
    if dialect.name == "postgresql":
        return column == any_(bindparam(key, ids, type_=ARRAY(column.type)))
    raise NotImplementedError(f"ids in one parameter on {dialect.name}")


@contextmanager
def driver_errors_raised(dialect: Dialect, statement: str) -> Iterator[None]:
    """The driver's errors, raised inside the block, raised as SQLAlchemy's, as a statement
    run through SQLAlchemy would raise them (an ``OperationalError``, an ``IntegrityError``):
    for the work that goes to the driver itself (``DriverQuery``, ``copy_rows``)."""
    try:
        yield
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(
            statement, None, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from error


class DriverQuery:
    """A select compiled once and run many times, with new values for its named parameters,
    on the connection's own driver cursor: ``rows`` are the driver's tuples, with only the
    columns whose type converts what the driver returns (dates and times on SQLite, UTC
    times everywhere) converted by that type's own processor. The engine's
    ``before_cursor_execute`` listeners see each run, and the driver's errors come as
    SQLAlchemy's.

    For the queries an export runs once per batch of a thousand initiatives: SQLAlchemy's
    statement building, caching and result rows cost as much again as SQLite's reading.
    Every value, the statement's own and those given to ``rows``, goes to the driver through
    its parameter's type, as SQLAlchemy would send it (a date in the text SQLite compares);
    an ``expanding`` parameter's values, rendered one by one, through its type too.

    On SQLite, ``rows`` reads them all in one step of SQLite's, as one JSON array
    (``json_group_array``) decoded at once: Python's sqlite3 takes the interpreter's lock back
    after every row it steps to, but not inside a step, so a thread that reads this way leaves
    the lock to another thread (writing the last batch out, ``app.read_ahead``) for nearly
    all of SQLite's work. Real numbers go into it as text with 17 significant digits (JSON's
    own 15 would round a stored 1/3 or 0.1 + 0.2), so every value comes back as the driver
    gives it, but a negative zero, which comes back as zero.
    """

    def __init__(self, connection: Connection, query: Select) -> None:
        dialect = connection.dialect
        self.prepared, own = _prepared(query, dialect)
        self.values = self._sent(own)  # the statement's own literals
        self.cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        self.connection = connection
        self.dialect = dialect
        self.query = query

    @property
    def sql(self) -> str:
        return self.prepared.sql

    @property
    def in_one_step(self) -> tuple[str, list[str] | None] | None:
        """On SQLite, the statement that reads every row as one JSON array (its SQL and its
        parameters' names), made the first time ``rows`` needs it."""
        if self.dialect.name != "sqlite":
            return None
        prepared = self.prepared
        if prepared.one_step is None:
            inner = self.query.subquery()
            # A real number as text with 17 significant digits: exactly the double stored
            # (JSON's own rendering keeps 15). The rows keep the subquery's ORDER BY: SQLite
            # never flattens an ordered subquery into an aggregate; the tests that read
            # batches in order would show it if a later SQLite did.
            columns = [
                case((column.is_(None), None), else_=func.printf(REAL_AS_TEXT, column))
                if _is_real(kind)
                else column
                for column, kind in zip(inner.c, self.prepared.types, strict=True)
            ]
            one_step = select(func.json_group_array(func.json_array(*columns)))
            prepared.one_step = _compiled(one_step, self.dialect)[:2]
        return prepared.one_step

    def _sent(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: convert(value)
            if value is not None and (convert := self.prepared.bind_converters.get(name))
            else value
            for name, value in values.items()
        }

    def execute(self, **values: Any) -> None:
        """Run the statement with these parameter values; its rows wait in ``cursor``."""
        self._run(self.prepared.sql, self.prepared.names, values)

    def _run(self, sql: str, names: list[str] | None, values: Mapping[str, Any]) -> None:
        values = {**self.values, **self._sent(values)}
        parameters = tuple([values[name] for name in names]) if names is not None else values
        # The engine's listeners see the statement as they see SQLAlchemy's own (a web
        # request's deadline, counts of statements in tests).
        self.connection.dispatch.before_cursor_execute(
            self.connection, self.cursor, sql, parameters, None, False
        )
        with driver_errors_raised(self.dialect, sql):
            self.cursor.execute(sql, parameters)

    def rows(self, **values: Any) -> list[Any]:
        """The rows for these parameter values (each a tuple, or a list where converted)."""
        in_one_step = self.in_one_step
        if in_one_step is not None:
            sql, names = in_one_step
            self._run(sql, names, values)
            with driver_errors_raised(self.dialect, sql):
                rows = json.loads(self.cursor.fetchone()[0])
        else:
            self.execute(**values)
            with driver_errors_raised(self.dialect, self.sql):
                rows = self.cursor.fetchall()
        converters = self.prepared.converters
        if converters is None:
            # What a column's conversion is can depend on what the driver says it holds
            # (PostgreSQL's numeric or float), known once the statement has run; SQLite's
            # one step describes no column.
            described = (
                [None] * len(self.prepared.types)
                if in_one_step is not None
                else [column[1] for column in self.cursor.description]
            )
            converters = self.prepared.converters = self._converters(described)
        if not converters:
            return rows
        # SQLite's rows come as lists (JSON arrays), converted where they are; the driver's
        # tuples are copied into lists first.
        converted = rows if in_one_step is not None else [list(row) for row in rows]
        for row in converted:
            for index, conversion in converters:
                value = row[index]
                if value is not None:
                    row[index] = conversion(value)
        return converted

    def _converters(self, described: list[Any]) -> list[tuple[int, Callable[[Any], Any]]]:
        """Each column's conversion by its type, given what the driver says it holds; on
        SQLite a real number comes as text (``in_one_step``), read with ``float`` first."""
        reals_as_text = self.dialect.name == "sqlite"
        converters = []
        kinds = self.prepared.types
        for index, (kind, driver_type) in enumerate(zip(kinds, described, strict=True)):
            read: Callable[[Any], Any] | None = kind.result_processor(self.dialect, driver_type)
            if reals_as_text and _is_real(kind):
                read = float if read is None else _from_text(read)
            if read is not None:
                converters.append((index, read))
        return converters

    def raw_batches(self, size: int, **values: Any) -> Iterator[list[tuple[Any, ...]]]:
        """The rows for these parameter values, ``size`` at a time, as the driver returns
        them (no column converted)."""
        self.execute(**values)
        while True:
            with driver_errors_raised(self.dialect, self.sql):
                rows = self.cursor.fetchmany(size)
            if not rows:
                return
            yield rows

    def close(self) -> None:
        self.cursor.close()


# A literal, not a bound parameter: the statement's own values are the plain statement's.
REAL_AS_TEXT: ColumnElement[str] = literal_column("'%!.17g'")


def _is_real(kind: Any) -> bool:
    """Whether a column's type holds real numbers (a decorated type by what it stores)."""
    return isinstance(kind.impl if isinstance(kind, TypeDecorator) else kind, (Float, Numeric))


def _from_text(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda text: convert(float(text))


def _compiled(
    query: Select, dialect: Dialect, cache_key: CacheKey | None = None
) -> tuple[str, list[str] | None, Any]:
    """A select's SQL, its parameters' names in order (None for named parameters), and the
    compiled statement itself."""
    compiled = query.compile(
        dialect=dialect, cache_key=cache_key, compile_kwargs={"render_postcompile": True}
    )
    names = list(compiled.positiontup or ()) if compiled.positional else None
    return compiled.string, names, compiled


@dataclass(slots=True)
class _Prepared:
    """What a ``DriverQuery`` needs of its statement, the same for every statement of its
    shape: its SQL, its parameters, their conversions, and (made when first needed) the
    columns' conversions and SQLite's one-step statement."""

    sql: str
    names: list[str] | None
    compiled: Any
    bind_converters: dict[str, Callable[[Any], Any]]
    types: list[Any]
    converters: list[tuple[int, Callable[[Any], Any]]] | None = None
    one_step: tuple[str, list[str] | None] | None = None


PREPARED_SHAPES = 256  # statement shapes a process keeps prepared (the least used go first)
_prepared_shapes: OrderedDict[tuple[str, Any], _Prepared] = OrderedDict()
_prepared_lock = threading.Lock()


def _prepared(query: Select, dialect: Dialect) -> tuple[_Prepared, dict[str, Any]]:
    """The statement prepared (kept by its shape, as SQLAlchemy keeps what it compiles: a
    city's GeoJSON ran seven statements, and compiling them and SQLite's one-step forms cost
    about 20 ms of each export), and its own parameters' values.

    The shape is SQLAlchemy's cache key, which leaves out the values of bound parameters:
    they are taken from this statement (``extracted_parameters``), lined up with the kept
    statement's by position as SQLAlchemy's own cache does. A statement whose SQL holds
    values (a list given to ``in_``, rendered one parameter per value) is not kept."""
    cache_key = query._generate_cache_key()
    shape = None
    if cache_key is not None:
        shape = (dialect.name, cache_key.key)
        with _prepared_lock:
            kept = _prepared_shapes.get(shape)
            if kept is not None:
                _prepared_shapes.move_to_end(shape)
        if kept is not None:
            own = kept.compiled.construct_params(extracted_parameters=cache_key.bindparams)
            return kept, own
    sql, names, compiled = _compiled(query, dialect, cache_key)

    def bound(name: str) -> BindParameter[Any]:
        # An expanding parameter's values are rendered as "<its name>_<n>".
        parameter = compiled.binds.get(name)
        return compiled.binds[name.rsplit("_", 1)[0]] if parameter is None else parameter

    own = compiled.construct_params()
    prepared = _Prepared(
        sql,
        names,
        compiled,
        {
            name: convert
            for name in own
            if (convert := bound(name).type.dialect_impl(dialect).bind_processor(dialect))
        },
        [column.type.dialect_impl(dialect) for column in query.selected_columns],
    )
    if (
        shape is not None
        and not compiled.post_compile_params
        and not compiled.literal_execute_params
    ):
        with _prepared_lock:
            _prepared_shapes[shape] = prepared
            while len(_prepared_shapes) > PREPARED_SHAPES:
                _prepared_shapes.popitem(last=False)
    return prepared, own


def _last_remembered(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert``, answering again without converting when given the very same object as
    last time: a batch's rows share their times (``now``) and their empty values."""
    last: list[Any] = [_NOTHING, None]

    def converted(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return converted


_NOTHING = object()


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT the rows (each with the same keys) as Core would.

    Core's work per row was 60% of writing an import's rows (and the map points it adds) on
    SQLite; on PostgreSQL its batch is one INSERT per row, each bound, sent and executed, and
    the server's part of that was most of the import's writing. Here each value goes through
    its column type's own conversion (dates, JSON, UTC times) and the rows go to the driver
    as they are: SQLite's as one statement's parameters, PostgreSQL's by ``COPY``
    (``copy_rows``). Columns the rows leave out get their Python defaults as Core gives them
    (a callable's once per statement, not once per row), or else their server's; any other
    kind of default leaves the rows to Core.
    """
    dialect = connection.dialect
    if dialect.name not in ("sqlite", "postgresql"):
        connection.execute(insert(table), rows)
        return
    given = rows[0]
    names = [c.key for c in table.columns if c.key in given or c.default is not None]
    if dialect.name == "sqlite":
        compiled = insert(table).compile(dialect=dialect, column_keys=names)
        names = list(compiled.positiontup or ())
    defaults: dict[str, Any] = {}
    for name in names:
        default = table.c[name].default
        if name in given:
            continue
        if isinstance(default, ScalarElementColumnDefault):
            defaults[name] = default.arg
        elif isinstance(default, CallableColumnDefault):
            # SQLAlchemy wraps a function of no arguments (utcnow) to take its context.
            defaults[name] = default.arg(None)  # type: ignore[arg-type]
        else:
            connection.execute(insert(table), rows)
            return
    if defaults:
        rows = [{**row, **defaults} for row in rows]
    converters = [
        (index, _last_remembered(convert))
        for index, name in enumerate(names)
        if (convert := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    ]
    in_order = itemgetter(*names)
    values = []
    for row in rows:
        value = list(in_order(row)) if len(names) > 1 else [in_order(row)]
        for index, converted in converters:
            value[index] = converted(value[index])
        values.append(tuple(value))
    if dialect.name == "sqlite":
        connection.exec_driver_sql(compiled.string, values)
    else:
        copy_rows(connection, table, [table.c[name].name for name in names], values)


# The type of each column of a table, as binary COPY must be told them.
COLUMN_TYPES = "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass"


def copy_rows(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> None:
    """Rows (values in the order of ``columns``) into a PostgreSQL table by ``COPY``, in the
    transaction's own connection.

    Quicker than INSERTs from one row on (no statement to bind, send and execute per row).
    In COPY's binary format, each value as the column's own type reads it (the types asked
    of the table itself): whole numbers and floats exactly, text as it is (a tab, a line
    end, a backslash or COPY's NULL marker stays text), JSON as the column type wraps it;
    neither psycopg nor the server writes or parses numbers and dates as text (a third less
    time than the text format for an import's rows). Give it values its columns' types have
    converted (``insert_rows`` does). The driver's errors come as SQLAlchemy's, as a
    statement's would (a unique key taken meanwhile is an ``IntegrityError``).
    """
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    statement = f"COPY {quote(table.name)} ({names}) FROM STDIN (FORMAT BINARY)"
    driver = connection.connection.driver_connection
    with driver_errors_raised(dialect, statement), driver.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(COLUMN_TYPES, (quote(table.name),))
        types = dict(cursor.fetchall())
        with cursor.copy(statement) as copy:
            copy.set_types([types[name] for name in columns])
            for row in rows:
                copy.write_row(row)
