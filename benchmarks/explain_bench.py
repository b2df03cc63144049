"""What explaining costs per text: the baseline's exact contributions, the transformer's occlusion.

    .venv/bin/python benchmarks/explain_bench.py --model models/baseline/v1 --model DIR [--n 100] [--threads 2]
    # a transformer of the shape `feedback-nlp train` makes (12-layer e5-small, ONNX Runtime int8, blended):
    .venv/bin/python benchmarks/explain_bench.py --build /tmp/explain-bench/m --base models/base/e5-small-zh \\
        --companion models/baseline/v1 --model models/baseline/v1 --model /tmp/explain-bench/m

Per model (served as the API serves it: ONNX Runtime int8 for a transformer, ``--threads``
threads), over ``--n`` texts of at most 40 characters (real reviews from the public
data, else demo texts), one text a call as the dashboard's classify box sends them:
``classify`` alone and ``classify`` + explanations, interleaved text by text so that
load from other processes hits both alike; mean, p50 and p95 ms per text, and the
process's CPU time per explained text (on an idle machine the wall time is at most this,
as the work runs on at least one core; under load it is the steadier figure). Then one call
with 50 texts (the API's limit per request), in ms per text. ``--build`` first
fine-tunes a 12-layer e5-small for a few steps (speed depends on the shape, not the
weights), blends it with ``--companion`` and saves it (with its ONNX graphs).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def build(out: Path, base: Path, companion: Path, threads: int) -> Path:
    from feedback_nlp.classifiers.baseline import TfidfClassifier
    from feedback_nlp.classifiers.transformer import FinetuneConfig, TransformerClassifier
    from feedback_nlp.datasets.corpus import demo_corpus

    train, valid = demo_corpus(256, seed=1), demo_corpus(256, seed=2)
    config = FinetuneConfig(max_steps=4, batch_size=16, num_threads=threads)
    model = TransformerClassifier(base_model=base, name="explain-bench", config=config)
    model.fit(train["text"].tolist(), train, X_valid=valid["text"].tolist(), y_valid=valid)
    model.blend_with(TfidfClassifier.load(companion), valid["text"].tolist(), valid)
    return model.save(out)


def measure(path: Path, texts: list[str], threads: int) -> dict[str, float | str]:
    from feedback_nlp.classification import Classification
    from feedback_nlp.explanations import ExplainedClassification
    from feedback_nlp.text import Segmenter

    segmenter = Segmenter()
    job = Classification.from_model(path, segmenter, quantize=True, num_threads=threads, runtime="onnx")
    explained = ExplainedClassification.of(job)
    explained.classify(texts[:5])  # warm-up
    plain_ms, explain_ms, explain_cpu_ms, n_words = [], [], [], []
    for text in texts:
        started = time.perf_counter()
        job.classify([text])
        plain_ms.append((time.perf_counter() - started) * 1000)
        started, cpu = time.perf_counter(), time.process_time()
        [record] = explained.classify([text])
        explain_ms.append((time.perf_counter() - started) * 1000)
        explain_cpu_ms.append((time.process_time() - cpu) * 1000)
        n_words.append(len(record["tokens"]))
    batch = texts[:50]
    started = time.perf_counter()
    records = explained.classify(batch)
    batch_ms = (time.perf_counter() - started) * 1000 / len(batch)
    return {
        "model": job.model_ref, "method": records[0]["explanation_method"], "words": statistics.mean(n_words),
        "classify_ms": statistics.mean(plain_ms), "explain_ms": statistics.mean(explain_ms),
        "explain_cpu_ms": statistics.mean(explain_cpu_ms),
        "explain_p50": statistics.median(explain_ms), "explain_p95": statistics.quantiles(explain_ms, n=20)[18],
        "batch50_ms": batch_ms,
    }  # fmt: skip


def main() -> None:
    import jieba
    from classify_bench import texts_40

    from feedback_nlp.config import get_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, action="append", default=[], help="model directory (repeatable)")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--build", type=Path, help="fine-tune and save a 12-layer transformer here first")
    parser.add_argument("--base", type=Path, default=Path("models/base/e5-small-zh"))
    parser.add_argument("--companion", type=Path, default=Path("models/baseline/v1"))
    args = parser.parse_args()
    jieba.setLogLevel(logging.INFO)
    logging.basicConfig(level=logging.WARNING)
    if args.build:
        started = time.perf_counter()
        build(args.build, args.base, args.companion, args.threads)
        print(f"built {args.build} in {time.perf_counter() - started:.0f} s")
    texts, source = texts_40(get_settings().public_data_dir, args.n)
    print(f"{len(texts)} {source} of <= 40 characters, one text a call, {args.threads} threads")
    print(f"{'model':<20}{'method':<11}{'words':>6}{'classify ms':>13}{'+explain ms':>12}{'p50':>7}{'p95':>7}"
          f"{'x classify':>11}{'CPU ms':>8}{'50 texts ms/text':>18}")  # fmt: skip
    for path in args.model:
        r = measure(path, texts, args.threads)
        print(f"{r['model']:<20}{r['method']:<11}{r['words']:>6.1f}{r['classify_ms']:>13.1f}{r['explain_ms']:>12.1f}"
              f"{r['explain_p50']:>7.1f}{r['explain_p95']:>7.1f}{r['explain_ms'] / r['classify_ms']:>11.1f}"
              f"{r['explain_cpu_ms']:>8.1f}{r['batch50_ms']:>18.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
