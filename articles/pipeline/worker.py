"""Worker-process side of the import: Django-free, so workers start by spawning.

Forked workers would inherit the parent's database socket, and closing it at exit
would end the parent's session; spawned workers import only the pure pipeline.
"""

import ctypes
import gc
import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context

from articles.pipeline.entities import AliasIndex
from articles.pipeline.process import Processed, process_source
from articles.pipeline.segment import get_tokenizer
from articles.pipeline.sources import Source, SourceError

logger = logging.getLogger(__name__)

_index: AliasIndex | None = None

TASK_SIZE = 8  # articles sent to a worker at a time


# The pipeline makes thousands of small objects an article (tokens, terms, rows) and
# almost no reference cycles, yet at Python's defaults the cycle collector ran ~2 times
# an article and now and then went through every object the process holds (the
# tokenizer's and the index's tables): 0.13 ms an article in all. Objects made before
# the import are set aside (gc.freeze), and the collector runs after this many new ones.
GC_THRESHOLD = 10_000


def _init_worker(index: AliasIndex) -> None:
    global _index
    _index = index
    # Built now rather than on the first article, so that what building it freed (jieba's
    # dictionary, the lexicon's converters: ~100 MB) can be given back to the system.
    get_tokenizer()
    _give_back_freed_memory()
    _tune_collector()  # for the worker's life


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


def _process_in_worker(sources: list[Source]) -> list[Processed | SourceError]:
    assert _index is not None
    return [process_safely(source, _index) for source in sources]


def process_safely(source: Source, index: AliasIndex) -> Processed | SourceError:
    """Return process_source's result; an unexpected error fails this file, not the batch."""
    try:
        return process_source(source, index)
    except Exception as error:
        logger.exception("import failed on %s", source.name)
        return SourceError(source.name, f"internal error while processing: {error!r}")


def process_all(
    sources: Iterable[Source | SourceError], index: AliasIndex, workers: int
) -> Iterator[Processed | SourceError]:
    """Yield pipeline results in input order, in worker processes when workers > 1."""
    if workers <= 1:
        for source in sources:
            yield source if isinstance(source, SourceError) else process_safely(source, index)
        return
    # A bounded window of tasks in flight keeps memory flat whatever the dump's size
    # (Pool.imap would read the whole input ahead); it is wide enough that the workers
    # keep going while the main process writes a chunk to the database. Each task is a
    # few articles: one task an article cost the main process's executor thread and the
    # workers about 1 ms an article in messages and futures.
    window = workers * 6
    pending: list[Future | SourceError] = []
    batch: list[Source] = []
    context = get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(index,)
    ) as pool:
        try:
            for source in sources:
                if isinstance(source, SourceError):
                    # after the sources read before it, so that results keep input order
                    if batch:
                        pending.append(pool.submit(_process_in_worker, batch))
                        batch = []
                    pending.append(source)
                else:
                    batch.append(source)
                    if len(batch) >= TASK_SIZE:
                        pending.append(pool.submit(_process_in_worker, batch))
                        batch = []
                while len(pending) >= window:
                    yield from _results(pending.pop(0))
            if batch:
                pending.append(pool.submit(_process_in_worker, batch))
            while pending:
                yield from _results(pending.pop(0))
        finally:
            for item in pending:
                if isinstance(item, Future):
                    item.cancel()


def _results(item: Future | SourceError) -> list[Processed | SourceError]:
    return [item] if isinstance(item, SourceError) else item.result()
