"""Worker processes for the import and the rescan: Django-free, so they start by spawning.

Forked workers would inherit the parent's database socket, and closing it at exit
would end the parent's session; spawned workers import only the pure pipeline.
"""

import ctypes
import gc
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from itertools import batched
from multiprocessing import get_context

from articles.pipeline.entities import AliasIndex, Extraction
from articles.pipeline.entities.translit import dictionary_tags
from articles.pipeline.process import Processed, cut_and_extract, process_source
from articles.pipeline.segment import get_tokenizer
from articles.pipeline.sources import Source, SourceError

logger = logging.getLogger(__name__)

_index: AliasIndex | None = None

TASK_SIZE = 8  # items (articles) sent to a worker at a time


# The pipeline makes thousands of small objects an article (tokens, terms, rows) and
# almost no reference cycles, yet at Python's defaults the cycle collector ran ~2 times
# an article and now and then went through every object the process holds (the
# tokenizer's and the index's tables): 0.13 ms an article in all. Objects made before
# the import are set aside (gc.freeze), and the collector runs after this many new ones.
GC_THRESHOLD = 10_000


# How often a worker checks that the process that started it is still there.
PARENT_CHECK_SECONDS = 1.0


def _init_worker(index: AliasIndex, parent: int) -> None:
    global _index
    _exit_with(parent)
    _index = index
    # Built now rather than on the first article, so that what building it freed (jieba's
    # dictionary, the lexicon's converters: ~100 MB) can be given back to the system.
    get_tokenizer()
    dictionary_tags()  # and the tags the name rules look up, for the same reason
    _give_back_freed_memory()
    _tune_collector()  # for the worker's life


def _exit_with(parent: int) -> None:
    """Exit as soon as the process parent is gone, from a thread watching for that.

    A main process killed outright (kill -9, or the OOM killer) cannot stop its workers,
    and they do not notice on their own: each holds both ends of the results pipe, so
    one went on waiting to write into it and the other for its turn, for good, with
    ~130 MB each. Orphaned, a process is given another parent.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)  # nothing to save: the main process alone writes to the database

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


@contextmanager
def collector_tuned() -> Iterator[None]:
    """Within: the cycle collector leaves the objects made so far alone and runs less often."""
    thresholds = _tune_collector()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()  # what became garbage meanwhile is collected again


def _tune_collector() -> tuple[int, int, int]:
    """Set the objects made so far aside and collect less often; return the old thresholds."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *thresholds[1:])
    return thresholds


def _give_back_freed_memory() -> None:
    """Return the heap's free pages to the system (glibc keeps them otherwise)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to do
        return
    libc.malloc_trim(0)


def _run_in_worker[T, R](function: Callable[[T, AliasIndex], R], items: list[T]) -> list[R]:
    assert _index is not None
    return [function(item, _index) for item in items]


def process_safely(source: Source | SourceError, index: AliasIndex) -> Processed | SourceError:
    """Return process_source's result; an unexpected error fails this file, not the batch."""
    if isinstance(source, SourceError):  # could not be read: passed on, in its place
        return source
    try:
        return process_source(source, index)
    except Exception as error:
        logger.exception("import failed on %s", source.name)
        return SourceError(source.name, f"internal error while processing: {error!r}")


def extract_safely(item: tuple[int, str], index: AliasIndex) -> tuple[int, Extraction | str]:
    """Return (article id, the entities in its body) for a stored article, or (id, why not).

    The body is cut and searched as process_source does it at import (cut_and_extract).
    """
    article_id, body = item
    try:
        return article_id, cut_and_extract(body, index)[1]
    except Exception as error:
        logger.exception("finding the entities of article %s failed", article_id)
        return article_id, f"internal error while finding entities: {error!r}"


def process_all(
    sources: Iterable[Source | SourceError], index: AliasIndex, workers: int
) -> Iterator[Processed | SourceError]:
    """Yield pipeline results in input order, in worker processes when workers > 1."""
    return map_in_workers(process_safely, sources, index, workers)


def map_in_workers[T, R](
    function: Callable[[T, AliasIndex], R], items: Iterable[T], index: AliasIndex, workers: int
) -> Iterator[R]:
    """Yield function(item, index) for each item, in order; in worker processes when workers > 1.

    function must be a module-level function (workers are sent its name) and must not
    raise: what it returns for an item that fails says so.
    """
    if workers <= 1:
        for item in items:
            yield function(item, index)
        return
    # A bounded window of tasks in flight keeps memory flat whatever the input's size
    # (Pool.imap would read the whole input ahead); it is wide enough that the workers
    # keep going while the main process writes a chunk to the database. Each task is a
    # few items: one task an article cost the main process's executor thread and the
    # workers about 1 ms an article in messages and futures.
    window = workers * 6
    pending: deque[Future] = deque()
    context = get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(index, os.getpid())
    ) as pool:
        try:
            for batch in batched(items, TASK_SIZE):
                pending.append(pool.submit(_run_in_worker, function, list(batch)))
                while len(pending) >= window:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
