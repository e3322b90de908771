"""CPU instructions the import pipeline spends per article, counted by valgrind.

    .venv/bin/python benchmarks/pipeline_instructions.py [--count 40]

Timings on a shared two-core machine swing by a third from one hour to the next;
instruction counts do not, whatever else runs. The per-article figure still varies by a
few percent between runs (44.9 to 47.0 M for code whose cut took the same instructions;
likely jieba-rs's hash tables, which Rust seeds at random). Take differences under ~2 M
an article as noise, and count a narrower workload twice for smaller ones.

This runs what an import worker does twice under `valgrind --tool=callgrind`: start-up
(imports, lexicon, tokenizer) and five warm-up articles, then the same and --count
articles more, and prints the first run's instructions and the difference per article.
Each run takes a few minutes. Compare two versions of the code by running it in each
checkout.

With --inside, runs the worker's part itself (what valgrind is given).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 5


def inside(count: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DEBUG", "1")
    from articles.pipeline.process import process_source
    from benchmarks.dumpgen import worker_inputs

    index, sources = worker_inputs(WARM_UP + count)
    # the warm-up articles fill the memos a running worker has
    for source in sources:
        process_source(source, index)


def counted(count: int) -> int:
    """Return the instructions of one --inside run with count articles."""
    result = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--inside",
            "--count",
            str(count),
        ],
        cwd=ROOT,
        # a fixed hash seed, so that set and dict orders repeat: two runs of the same
        # code then differ by about 1% (memory layout), timings here by a third
        env={**os.environ, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", result.stderr)
    if not found:
        sys.exit(f"valgrind printed no instruction count:\n{result.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=40, help="articles counted (default 40)")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count < 0:
        parser.error("--count must be 0 or more")
    if args.inside:
        inside(args.count)
        return
    if args.count == 0:
        parser.error("--count must be at least 1")
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed: apt-get install valgrind")
    start_up = counted(0)
    per_article = (counted(args.count) - start_up) / args.count
    print(f"start-up and {WARM_UP} warm-up articles: {start_up / 1e9:.2f} G instructions")
    print(f"per article: {per_article / 1e6:.1f} M instructions")


if __name__ == "__main__":
    main()
