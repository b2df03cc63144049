"""Inference speed and memory of a transformer model: torch or ONNX Runtime, fp32 or int8, blended or not.

    .venv/bin/python benchmarks/transformer_bench.py [--model DIR|NAME] [--n 2000] [--threads 2]

Each variant runs in its own process (clean memory figures): it loads the model, then
- **batched**: the whole classify path (normalise, jieba, encoder, companion, keywords,
  records) over ``--n`` real reviews cut to 40 characters, in batches of 256;
- **single**: ``--single`` calls with one text each; p50 and p95 latency;
- **peak RSS** of the process, and the share of texts whose labels agree with fp32.
Prints one row per variant. The texts are the ones ``classify_bench.py`` uses.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

VARIANTS = {
    "torch-fp32": {"runtime": "torch", "quantize": False, "blend": True},
    "torch-int8": {"runtime": "torch", "quantize": True, "blend": True},
    "onnx-fp32": {"runtime": "onnx", "quantize": False, "blend": True},
    "onnx-int8": {"runtime": "onnx", "quantize": True, "blend": True},
    "onnx-int8-encoder-only": {"runtime": "onnx", "quantize": True, "blend": False},
}


def _labels(records: list[dict]) -> list[tuple]:
    return [(tuple(r["fault_types"]), r["sentiment"], tuple(r["aspects"])) for r in records]


def measure(model: Path, variant: str, n: int, single: int, threads: int) -> dict:
    import jieba
    import torch
    from classify_bench import texts_40

    from feedback_nlp.classification import Classification
    from feedback_nlp.config import get_settings
    from feedback_nlp.text import Segmenter

    jieba.setLogLevel(logging.INFO)
    torch.set_num_threads(threads)
    options = VARIANTS[variant]
    texts, _ = texts_40(get_settings().public_data_dir, n)
    started = time.perf_counter()
    job = Classification.from_model(model, Segmenter(), quantize=options["quantize"], num_threads=threads,
                                    runtime=options["runtime"])
    if not options["blend"]:
        job.classifier.companion_ = None
        job.classifier.thresholds_ = getattr(job.classifier, "encoder_thresholds_", job.classifier.thresholds_)
    job.classify(texts[:64])  # warm-up: jieba's dictionary, torch kernels
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    records = []
    for i in range(0, len(texts), 256):
        records.extend(job.classify(texts[i : i + 256]))
    batched = len(texts) / (time.perf_counter() - started)
    latencies = []
    for text in texts[:single]:
        t = time.perf_counter()
        job.classify([text])
        latencies.append((time.perf_counter() - t) * 1000)
    return {
        "variant": variant, "load_s": load_s, "texts_per_s": batched,
        "p50_ms": statistics.median(latencies), "p95_ms": statistics.quantiles(latencies, n=20)[18],
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "labels": _labels(records),
    }  # fmt: skip


def main() -> None:
    from feedback_nlp.classifiers.artifacts import list_models, resolve_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model directory or NAME[@VERSION] (default: newest transformer)")
    parser.add_argument("--model-dir", default="models")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--single", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = measure(Path(args.model), args.child, args.n, args.single, args.threads)
        print(json.dumps(result))
        return
    if args.model:
        model = resolve_model(args.model, args.model_dir)
    else:
        found = next((m for m in list_models(args.model_dir) if m.kind == "transformer"), None)
        if found is None:
            sys.exit(f"no transformer model in {args.model_dir}; run `feedback-nlp train` first")
        model = found.path
    rows = []
    for variant in args.variants:
        out = subprocess.run(
            [sys.executable, __file__, "--child", variant, "--model", str(model), "--n", str(args.n),
             "--single", str(args.single), "--threads", str(args.threads)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    reference = rows[0]["labels"]
    print(f"model {model}, {args.n} texts of ≤40 characters, {args.threads} threads")
    print(f"{'variant':<20}{'load s':>8}{'texts/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'peak RSS MiB':>14}"
          f"{'agree w/ ' + rows[0]['variant']:>16}")  # fmt: skip
    for row in rows:
        agree = sum(a == b for a, b in zip(row["labels"], reference, strict=True)) / len(reference)
        print(f"{row['variant']:<20}{row['load_s']:>8.1f}{row['texts_per_s']:>10.0f}{row['p50_ms']:>9.1f}"
              f"{row['p95_ms']:>9.1f}{row['peak_rss_mib']:>14.0f}{agree:>16.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
