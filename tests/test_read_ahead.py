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
    # An application context of its own: its own session, so its own connection.
    assert sessions and caller_session not in sessions


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
