"""Synthetic dumps built from the sample articles, for benchmarks and large tests.

Each generated article takes a title line and a random selection of paragraphs from
all four samples, with numbers, dates and some names varied, so that articles are
neither duplicates nor near-duplicates of each other, while keeping the samples'
vocabulary, entities and noise (every article ends with one sample's junk tail).
"""

import random
import re
from collections.abc import Iterator
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "data" / "samples"
NAME_SWAPS = [
    ("泽连斯基", "则连斯基"),
    ("特朗普", "川普"),
    ("维特科夫", "威特科夫"),
    ("普京", "普京总统"),
    ("佩斯科夫", "克宫发言人佩斯科夫"),
]
JUNK_MARKERS = ("过去24小时新闻", "点击进入专题", "随便看看", "?")


def _split_sample(text: str) -> tuple[str, list[str], str]:
    """Return (title line, body paragraphs, junk tail) of a sample."""
    lines = text.splitlines()
    cut = len(lines)
    for index, line in enumerate(lines):
        if line.strip() in JUNK_MARKERS or line.startswith("点击进入专题"):
            cut = index
            break
    body = [line for line in lines[1:cut] if len(line.strip()) > 20]
    return lines[0], body, "\n".join(lines[cut:])


def _load() -> tuple[list[str], list[str], list[str]]:
    titles, paragraphs, tails = [], [], []
    for path in sorted(SAMPLES_DIR.glob("*.txt")):
        title, body, tail = _split_sample(path.read_text(encoding="utf-8"))
        titles.append(title)
        paragraphs.extend(body)
        tails.append(tail)
    return titles, paragraphs, tails


def _vary(paragraph: str, rng: random.Random) -> str:
    paragraph = re.sub(r"\d+", lambda m: str(rng.randint(1, 2030)), paragraph)
    for a, b in NAME_SWAPS:
        if rng.random() < 0.3:
            paragraph = paragraph.replace(a, b)
    return paragraph


def generate(count: int, *, seed: int = 7, min_chars: int = 0) -> Iterator[tuple[str, str]]:
    """Yield (file name, text) for count distinct synthetic articles."""
    rng = random.Random(seed)
    titles, paragraphs, tails = _load()
    for number in range(count):
        chosen = rng.sample(paragraphs, k=min(len(paragraphs), rng.randint(14, 24)))
        body = [_vary(p, rng) for p in chosen]
        while min_chars and sum(map(len, body)) < min_chars:
            body.append(_vary(rng.choice(paragraphs), rng))
        title = f"{rng.choice(titles)[:24]}({number})"
        text = "\n".join([title, *body, rng.choice(tails)])
        yield f"article_{number:06d}.txt", text


def write_dump(directory: Path, count: int, *, seed: int = 7) -> Path:
    """Write count synthetic articles as UTF-8 files into directory; return it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in generate(count, seed=seed):
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def worker_inputs(count: int):  # -> tuple[AliasIndex, list[Source]]
    """Return what an import worker works with: the lexicon's alias index (no database
    needed) and count generated sources; the worker's tokenizer is built too."""
    from articles.pipeline.entities import AliasIndex
    from articles.pipeline.lexicon import load_lexicon
    from articles.pipeline.segment import get_tokenizer
    from articles.pipeline.sources import Source

    index = AliasIndex.from_lexicon(load_lexicon())
    get_tokenizer()
    return index, [Source(name=name, data=text.encode()) for name, text in generate(count)]
