"""An export's batches read in a thread of their own (``app.read_ahead``): every item in
order, a failure raised where its batch would have come, and a caller that stops early
stopping the reader."""

from __future__ import annotations

import threading

import pytest

from app.extensions import db
from app.read_ahead import HANDOVER_ITEMS, WAITING, read_ahead


def test_every_item_comes_in_order_in_slices_read_in_another_thread(app):
    threads: set[int] = set()
    sessions: set[int] = set()

    def read():
        for start in range(0, 2_500, 1_000):
            threads.add(threading.get_ident())
            sessions.add(id(db.session()))
            yield list(range(start, min(start + 1_000, 2_500)))

    with app.app_context():
        caller_session = id(db.session())
        slices = list(read_ahead(read))
    assert [item for piece in slices for item in piece] == list(range(2_500))
    assert max(len(piece) for piece in slices) == HANDOVER_ITEMS
    assert threads and threading.get_ident() not in threads
    # In the caller's context: its session, so its connection and transaction.
    assert sessions == {caller_session}


def test_each_batch_read_is_made_into_items_in_the_caller_s_thread(app):
    """The reader only reads; making its rows into items is the caller's (Python's work
    there leaves the reader free to have the database read the next batch)."""
    made_in: set[int] = set()

    def read():
        for start in range(0, 700, 300):
            yield range(start, min(start + 300, 700))

    def make(batch):
        made_in.add(threading.get_ident())
        return [number * 2 for number in batch]

    with app.app_context():
        slices = list(read_ahead(read, make))
    assert [item for piece in slices for item in piece] == [n * 2 for n in range(700)]
    assert made_in == {threading.get_ident()}


def test_a_failure_while_reading_is_raised_after_the_batches_before_it(app):
    def read():
        yield [1, 2]
        yield [3]
        raise RuntimeError("the database went away")

    taken = []
    with app.app_context(), pytest.raises(RuntimeError, match="went away"):
        for piece in read_ahead(read):
            taken += piece
    assert taken == [1, 2, 3]


def test_a_caller_that_stops_early_stops_the_reader_and_closes_its_batches(app):
    read_count = 0
    closed_in: list[int] = []

    def read():
        nonlocal read_count
        try:
            while True:
                read_count += 1
                yield [read_count]
        finally:
            closed_in.append(threading.get_ident())

    with app.app_context():
        pieces = read_ahead(read)
        assert next(pieces) == [1]
        pieces.close()  # a client that went away
    # The reader was at most a few batches ahead, and is gone: its batches were closed in
    # its own thread (where its queries' cursors live), not left to the garbage collector.
    assert read_count <= WAITING + 3
    assert len(closed_in) == 1 and closed_in[0] != threading.get_ident()
    assert not [thread for thread in threading.enumerate() if thread.name == "read-ahead"]


def test_a_write_while_an_export_is_being_read_is_not_held_off(app, make_initiative):
    """The reader's transaction only reads: on SQLite it begins deferred and never holds the
    write lock, so a write (a resident saving, an import, the worker) made while a slow
    client reads an export goes through at once, and the export still ends."""
    import time

    from werkzeug.datastructures import MultiDict

    from app.api.export_records import published_records
    from app.initiatives.models import Initiative
    from app.shared_filters.parse import parse_filters

    ids = [make_initiative(title=f"Walk {number}") for number in range(8)]
    with app.test_request_context("/api/v1/initiatives.csv"):
        everything, _ = parse_filters(MultiDict())
        records = published_records(everything, 1)
        taken = list(next(records))  # the reader now waits, its transaction open
        started = time.monotonic()
        with app.app_context():
            db.session.get(Initiative, ids[0]).title = "Renamed while exported"
            db.session.commit()
        assert time.monotonic() - started < 5  # not the 10 s busy timeout
        taken += [record for batch in records for record in batch]
    assert sorted(record.id for record in taken) == sorted(ids)


def test_the_open_data_files_are_read_in_one_transaction(app, make_initiative):
    """The worker's files and the README's count must agree: the batches, read ahead in
    another thread, are read in the worker's own transaction, never in one of their own."""
    from sqlalchemy import event

    from app.downloads.files import rebuild_open_data

    make_initiative(title="In the files")
    begun = []
    with app.app_context():
        engine = db.engine
        listener = lambda connection: begun.append(threading.get_ident())  # noqa: E731
        event.listen(engine, "begin", listener)
        try:
            assert rebuild_open_data(force=True)
        finally:
            event.remove(engine, "begin", listener)
    assert begun == [threading.get_ident()]
