"""How the pipeline's time grows with one article's size: it must stay near-linear.

    .venv/bin/python benchmarks/huge_article.py [--sizes 0.25 0.5 1 2 4.9]

Runs process_source (what an import worker does with an article) on one article of each
size in MB, twice over: paragraphs of the samples drawn at random (realistic), and one
sentence repeated (据塔斯社报道，, which the attribution rules once took in quadratic
time). Prints the CPU seconds of each and the ratio to the previous size.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEBUG", "1")

from benchmarks.dumpgen import SAMPLES_DIR, worker_inputs


def realistic(megabytes: float, seed: int = 1) -> str:
    paragraphs = [
        line
        for path in sorted(SAMPLES_DIR.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if len(line) > 30
    ]
    pick = random.Random(seed).choice
    lines, size = ["大型测试文章标题"], 0
    while size < megabytes * 1024 * 1024:
        line = pick(paragraphs)
        lines.append(line)
        size += len(line.encode()) + 1
    return "\n".join(lines)


def repeated(megabytes: float) -> str:
    sentence = "据塔斯社报道，"
    count = int(megabytes * 1024 * 1024 / len(sentence.encode()))
    return "塔斯社消息汇总\n" + sentence * count + "会谈结束。\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.25, 0.5, 1.0, 2.0, 4.9])
    args = parser.parse_args()

    from articles.pipeline.process import process_source
    from articles.pipeline.sources import Source

    index, _ = worker_inputs(1)
    for name, make in (("realistic", realistic), ("repeated sentence", repeated)):
        previous: tuple[float, float] | None = None  # (size, seconds)
        for size in args.sizes:
            data = make(size).encode()
            started = time.process_time()
            process_source(Source(f"{size}.txt", data=data), index)
            seconds = time.process_time() - started
            growth = ""
            if previous:
                growth = f"  x{seconds / previous[1]:.1f} for x{size / previous[0]:.1f}"
            print(f"{name:18} {len(data) / 1024 / 1024:5.2f} MB  {seconds:7.2f} s{growth}")
            previous = (size, seconds)


if __name__ == "__main__":
    main()
