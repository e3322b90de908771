"""The pure pipeline: what a worker returns, the script it detects, the collector it tunes."""

import gc
import pickle
from functools import cache
from pathlib import Path

import opencc
import pytest

from articles.pipeline.attribution import Attribution, Span
from articles.pipeline.entities import AliasIndex, Mention
from articles.pipeline.lexicon import load_lexicon
from articles.pipeline.process import Processed, process_source
from articles.pipeline.scripts import detect_script
from articles.pipeline.sources import Source, SourceError
from articles.pipeline.worker import GC_THRESHOLD, collector_tuned, process_all

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@cache
def lexicon_index() -> AliasIndex:
    return AliasIndex.from_lexicon(load_lexicon())


def processed_samples() -> list[Processed]:
    results = []
    for path in sorted(SAMPLES.glob("*.txt")):
        result = process_source(Source(name=path.name, data=path.read_bytes()), lexicon_index())
        assert isinstance(result, Processed)
        results.append(result)
    return results


def test_a_processed_article_comes_back_from_a_worker_unchanged():
    # Workers send each article pickled, its mentions and attributions as plain tuples.
    for processed in processed_samples():
        assert processed.mentions and processed.attributions
        copy = pickle.loads(pickle.dumps(processed))  # noqa: S301 - our own object
        assert copy == processed
        assert all(type(m) is Mention for m in copy.mentions)
        assert copy.mentions[0].surface == processed.mentions[0].surface  # by name, too
        for attribution in copy.attributions:
            assert type(attribution) is Attribution
            spans = [attribution.claim, attribution.speaker, attribution.source]
            assert all(type(span) is Span for span in spans if span is not None)


def test_script_is_detected_on_the_article_text():
    text = (SAMPLES / sorted(p.name for p in SAMPLES.glob("*.txt"))[0]).read_text("utf-8")
    traditional = opencc.OpenCC("s2t").convert(text)
    assert detect_script(text) == "simplified"
    assert detect_script(traditional) == "traditional"
    assert detect_script("Zelensky said on Monday.") == "simplified"
    # a simplified article quoting a traditional name or two stays simplified
    assert detect_script(text + "\n澤連斯基與烏克蘭") == "simplified"


def test_script_is_judged_on_the_first_4000_ideographs():
    simplified = "乌克兰总统泽连斯基表示" * 400  # 4,400 ideographs, none converted
    traditional = "烏克蘭總統澤連斯基表示" * 400
    assert detect_script(simplified + traditional) == "simplified"
    assert detect_script(traditional + simplified) == "traditional"
    # ideographs are counted across punctuation and Latin words, in place
    assert detect_script("。".join(["烏克蘭", "Kyiv", "總統"] * 50)) == "traditional"


def test_the_import_tunes_the_cycle_collector_only_while_it_runs():
    thresholds = gc.get_threshold()
    with pytest.raises(KeyboardInterrupt), collector_tuned():
        assert gc.get_freeze_count() > 0  # what existed before is left alone
        assert gc.get_threshold()[0] == GC_THRESHOLD
        raise KeyboardInterrupt  # Ctrl-C during an import
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == 0


def test_workers_give_results_in_input_order_with_unreadable_files_in_place():
    paths = sorted(SAMPLES.glob("*.txt"))
    sources = []
    for number in range(5):  # more than one task (TASK_SIZE) of work for each worker
        for path in paths:
            sources.append(Source(name=f"{number}/{path.name}", data=path.read_bytes()))
        sources.append(SourceError(f"{number}/broken.zip", "not a zip archive"))
    results = list(process_all(sources, lexicon_index(), workers=2))
    assert [r.name for r in results] == [s.name for s in sources]
    assert [type(r) for r in results] == [
        SourceError if isinstance(s, SourceError) else Processed for s in sources
    ]
