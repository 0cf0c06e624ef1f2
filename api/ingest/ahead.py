"""Read ahead: run a blocking iterator in a thread while the event loop waits on the database.

An import alternates two kinds of work: reading and parsing records (Python, on this process's core) and
waiting for PostgreSQL to write the previous batch (the server's core). Run one after the other, each
core idles half the time. `read_ahead` moves the iteration to a worker thread, so that the next batch is
read and parsed while the current one is written: the thread runs whenever the event loop's thread
waits on the socket (the GIL is released there). At most `ahead` items wait to be taken, so memory stays
bounded whatever the input's size.

An exception raised by the iterator is raised to the consumer, at the point it would have taken that
item. When the consumer stops early (an error while writing, a cancellation), the worker is told to
stop, the iterator is closed in its own thread (files it holds are closed there) and the thread joined.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Generator
from typing import Generic, TypeVar

T = TypeVar("T")

_POLL_SECONDS = 0.05


class _Done:
    """The end of the items."""


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Worker(Generic[T]):
    def __init__(self, items: Generator[T, None, None], ahead: int, loop: asyncio.AbstractEventLoop) -> None:
        self.items = items
        self.loop = loop
        self.queue: asyncio.Queue[T | _Done | _Failed] = asyncio.Queue()
        self.slots = threading.Semaphore(ahead)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, name="scholargraph-read-ahead", daemon=True)

    def send(self, item: T | _Done | _Failed) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait, item)

    def wait_for_slot(self) -> bool:
        while not self.slots.acquire(timeout=_POLL_SECONDS):
            if self.stopping.is_set():
                return False
        return not self.stopping.is_set()

    def run(self) -> None:
        try:
            while self.wait_for_slot():
                try:
                    item = next(self.items)
                except StopIteration:
                    self.send(_Done())
                    return
                self.send(item)
        except BaseException as error:  # handed to the consumer, raised there
            self.send(_Failed(error))
        finally:
            self.items.close()


async def read_ahead(items: Generator[T, None, None], *, ahead: int = 1) -> AsyncGenerator[T, None]:
    """Yield the items of `items`, produced in a worker thread up to `ahead` items before they are taken."""
    if ahead < 1:
        raise ValueError("ahead must be at least 1")
    worker = _Worker(items, ahead, asyncio.get_running_loop())
    worker.thread.start()
    try:
        while True:
            got = await worker.queue.get()
            if isinstance(got, _Done):
                return
            if isinstance(got, _Failed):
                raise got.error
            worker.slots.release()
            yield got
    finally:
        worker.stopping.set()
        await asyncio.to_thread(worker.thread.join)
