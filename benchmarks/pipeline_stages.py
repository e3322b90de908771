"""Where the import pipeline's time goes: CPU per article of each stage, in one process.

    .venv/bin/python benchmarks/pipeline_stages.py [--count 400]

Runs process_source (what an import worker does for each article) over synthetic articles
built like import_bench's, with the lexicon's alias index (no database needed), and prints
the CPU time per article of each stage and of the whole. Stages nest where one calls
another (search terms include the title's segmentation), so they need not add up exactly.
"""

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEBUG", "1")

from benchmarks.dumpgen import worker_inputs

STAGES = [
    "decode_bytes",
    "normalize_text",
    "clean_text",
    "extract_entities",
    "suggest_attributions",
    "search_tokens",
    "tsvector_literal",
    "match_key",
    "key_signature",
    "band_keys",
    "key_hash",
    "detect_script",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=400)
    args = parser.parse_args()

    from articles.pipeline import process
    from articles.pipeline.segment import Tokenizer

    index, sources = worker_inputs(args.count)
    spent: dict[str, float] = defaultdict(float)

    def timed(label, function):
        def wrapper(*args, **kwargs):
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.process_time() - started

        return wrapper

    for name in STAGES:
        setattr(process, name, timed(name, getattr(process, name)))
    Tokenizer.cut = timed("segmentation (Tokenizer.cut)", Tokenizer.cut)

    for source in sources[:30]:  # warm-up: first-use costs are not per article
        process.process_source(source, index)
    spent.clear()
    started = time.process_time()
    for source in sources:
        process.process_source(source, index)
    total = time.process_time() - started
    for label, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"{label:30} {seconds / args.count * 1000:6.2f} ms")
    print(f"{'whole pipeline':30} {total / args.count * 1000:6.2f} ms per article")


if __name__ == "__main__":
    main()
