"""The issue's yardstick for this machine: jieba's plain cut of the samples, on one core.

    .venv/bin/python benchmarks/jieba_yardstick.py [--seconds 5] [--rounds 3]

Prints how many of the four sample articles per second of CPU jieba's own cut (HMM on,
its global tokenizer, no domain words) gets through. The import's speed target was set
where this gives ~90; run it before and after an import benchmark to know what speed
the machine had meanwhile (on the development machines it has ranged from 50 to 191,
sometimes within minutes). import_bench.py takes it itself, before and after.
"""

import argparse
import logging
import time
from pathlib import Path

import jieba

SAMPLES = sorted((Path(__file__).resolve().parent.parent / "data" / "samples").glob("*.txt"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="CPU time per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    jieba.setLogLevel(logging.WARNING)
    texts = [path.read_text(encoding="utf-8") for path in SAMPLES]
    jieba.initialize()
    for _ in range(args.rounds):
        started, done = time.process_time(), 0
        while time.process_time() - started < args.seconds:
            for text in texts:
                list(jieba.cut(text))
                done += 1
        rate = done / (time.process_time() - started)
        print(f"jieba plain cut: {rate:.1f} sample articles/s on one core")


if __name__ == "__main__":
    main()
