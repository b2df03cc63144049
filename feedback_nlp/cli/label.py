"""``feedback-nlp label …``: the labelling loop on the command line.

    feedback-nlp label suggest --from-store --n 500 --strategy uncertainty --out tasks.json
    feedback-nlp label import export.json            # a Label Studio export, or the CSV back
    feedback-nlp label agreement anna@example.com ben@example.com
    feedback-nlp label export --out labels.csv       # the current human labels (train --labels)

Thin: parse options, call :mod:`feedback_nlp.labelling`, print. Exit status 2 when a
whole input is refused; 1 when rows were rejected and ``--strict`` was given.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.table import Table as RichTable

from feedback_nlp.cli.common import console, err, fail, open_store
from feedback_nlp.config import Settings, get_settings
from feedback_nlp.errors import ConfigError, FeedbackNLPError, InputFileError
from feedback_nlp.store import Store
from feedback_nlp.taxonomy import Taxonomy

label_app = typer.Typer(help="The labelling loop: suggest, export, import, agreement.", no_args_is_help=True)


def _store(settings: Settings, *, read_only: bool) -> Store | None:
    if read_only and not settings.database_path.exists():
        return None
    return open_store(settings, read_only=read_only)


def _taxonomy(path: Path | None) -> Taxonomy:
    return Taxonomy.load(path) if path is not None else Taxonomy.default()


def _load_model(ref: str | None, settings: Settings, store: Store | None) -> tuple[Any, str]:
    from feedback_nlp.classification import Classification
    from feedback_nlp.classifiers.registry import resolve_active

    job = Classification.from_settings(resolve_active(ref, settings.model_dir, store), settings)
    return job.classifier, job.model_ref


def _second_model_ref(first_kind: str, settings: Settings) -> str:
    """For ``disagreement``: the newest model of the other kind (baseline ↔ transformer)."""
    from feedback_nlp.classifiers.artifacts import list_models

    other = next((m for m in list_models(settings.model_dir) if m.kind != first_kind), None)
    if other is None:
        raise ConfigError("strategy 'disagreement' needs a baseline and a transformer in the model folder; "
                          "train one with `feedback-nlp train` or name both with --model / --second-model")
    return other.ref


def _pool(in_path: Path | None, from_store: bool, text_column: str, store: Store | None) -> pd.DataFrame:
    from feedback_nlp.classification import iter_input

    if (in_path is None) == (not from_store):
        raise ConfigError("give exactly one of --in FILE and --from-store")
    if from_store:
        if store is None:
            raise ConfigError("no store yet: ingest feedback first, or pick from a file with --in")
        frame = store.read_table("feedback", ["feedback_id", "text"])
        return frame[frame["text"].notna()].reset_index(drop=True)
    assert in_path is not None  # exactly one of --in and --from-store, checked above
    parts = list(iter_input(in_path, batch_size=50_000, text_column=text_column))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"text": []})
    if text_column != "text":
        frame = frame.rename(columns={text_column: "text"})
    return frame


@label_app.command("suggest")
def suggest_cmd(
    out: Path = typer.Option(..., "--out", help="tasks.json (Label Studio tasks + tasks.label_config.xml) "
                             "or tasks.csv / .xlsx (a table with the label columns pre-filled)."),
    in_path: Path | None = typer.Option(None, "--in", help="CSV/TSV/JSON lines/XLSX with a text column."),
    from_store: bool = typer.Option(False, "--from-store", help="Pick from the store's feedback texts."),
    n: int = typer.Option(500, "--n", min=1, help="Texts to pick."),
    strategy: str = typer.Option("uncertainty", help="uncertainty | disagreement | diverse."),
    model: str | None = typer.Option(None, "--model", help="Model that pre-labels and scores (default: active)."),
    second_model: str | None = typer.Option(None, help="disagreement: the other model (default: newest of the "
                                            "other kind)."),
    text_column: str = typer.Option("text", help="Text column of --in."),
    exclude: list[Path] = typer.Option([], "--exclude", help="Label files whose texts must not be suggested "
                                       "(texts labelled in the store are always left out)."),
    seed: int = typer.Option(0, help="Random seed of the clustering."),
) -> None:
    """Pick the texts most worth labelling and write them with the model's labels pre-filled."""
    from feedback_nlp.labelling import read_labels, suggest, text_key
    from feedback_nlp.labelling.export import export_batch

    settings = get_settings()
    try:
        store = _store(settings, read_only=True)
        try:
            pool = _pool(in_path, from_store, text_column, store)
            labelled = store.labelled_keys() if store is not None else set()
            first, first_ref = _load_model(model, settings, store)
            other = None
            if strategy == "disagreement":
                other, _ = _load_model(second_model or _second_model_ref(first.kind, settings), settings, store)
        finally:
            if store is not None:
                store.close()
        for path in exclude:
            labelled |= {text_key(r["text"]) for r in read_labels(path, first.taxonomy_, labeller="-",
                                                                     public_dir=settings.public_data_dir).records}
        chosen = suggest(pool, n=n, strategy=strategy, model=first, second_model=other, exclude=labelled,
                         random_state=seed)  # fmt: skip
        written = export_batch(chosen, out, taxonomy=first.taxonomy_, model=first, model_ref=first_ref)
    except FeedbackNLPError as exc:
        raise fail(exc) from None
    err.print(f"{len(chosen)} of {len(pool)} texts picked ({strategy}); pre-labelled by {first_ref}; "
              f"{len(labelled)} already-labelled texts left out")  # fmt: skip
    for path in written:
        console.print(f"wrote {path}")


@label_app.command("config")
def config_cmd(
    out: Path = typer.Option(..., "--out", help="Where to write the Label Studio labelling config (XML)."),
    taxonomy: Path | None = typer.Option(None, help="Taxonomy file (default: the shipped one)."),
) -> None:
    """Write the Label Studio labelling config for a taxonomy."""
    from feedback_nlp.labelling.labelstudio import labelling_config

    try:
        out.write_text(labelling_config(_taxonomy(taxonomy)), encoding="utf-8")
    except (FeedbackNLPError, OSError) as exc:
        raise fail(exc) from None
    console.print(f"wrote {out}")


@label_app.command("import")
def import_cmd(
    files: list[Path] = typer.Argument(..., help="Label Studio JSON export(s) or labelled CSV/XLSX file(s)."),
    labeller: str | None = typer.Option(None, help="Labeller of rows that do not name one."),
    taxonomy: Path | None = typer.Option(None, help="Taxonomy file (default: the shipped one)."),
    show: int = typer.Option(20, help="Rejected rows to print."),
    strict: bool = typer.Option(False, help="Exit with status 1 when any row is rejected."),
) -> None:
    """Validate every row against the taxonomy and store the valid labels (idempotent)."""
    from feedback_nlp.labelling import import_labels

    settings = get_settings()
    rejected = 0
    try:
        tax = _taxonomy(taxonomy)
        with Store(settings.database_path, timezone=settings.timezone, memory_limit=settings.db_memory_limit) as store:
            for path in files:
                report = import_labels(store, path, tax, labeller=labeller, public_dir=settings.public_data_dir)
                console.print(report.summary())
                for problem in report.errors[:show]:
                    err.print(f"  rejected: {problem}")
                if len(report.errors) > show:
                    err.print(f"  … and {len(report.errors) - show} more rejected rows")
                rejected += len(report.errors)
    except FeedbackNLPError as exc:
        raise fail(exc) from None
    if rejected and strict:
        raise typer.Exit(1)


def _labels_of(source: str, settings: Settings, taxonomy: Taxonomy) -> pd.DataFrame:
    """A labeller's current labels: a label file when ``source`` is a path, else a labeller in the store."""
    from feedback_nlp.labelling import read_labels, records_frame

    if Path(source).exists():
        parsed = read_labels(source, taxonomy, labeller=source, public_dir=settings.public_data_dir)
        if parsed.errors:
            err.print(f"{source}: {len(parsed.errors)} invalid row(s) left out, e.g. {parsed.errors[0]}")
        frame = records_frame(parsed.records)
    else:
        store = _store(settings, read_only=True)
        if store is None:
            raise InputFileError(f"{source}: neither a file nor a labeller (there is no store)")
        with store:
            frame = store.current_labels(labeller=source)
        if frame.empty:
            raise InputFileError(f"{source}: neither a file nor a labeller with labels in the store")
        frame = frame.assign(fault_types=frame["fault_types"].map(list), aspects=frame["aspects"].map(list))
    return frame.drop_duplicates("text_hash", keep="last")


@label_app.command("agreement")
def agreement_cmd(
    a: str = typer.Argument(..., help="Labeller name in the store, or a label file."),
    b: str = typer.Argument(..., help="The other labeller, or label file."),
    taxonomy: Path | None = typer.Option(None, help="Taxonomy file (default: the shipped one)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Cohen's κ (sentiment, primary fault) and per-label F1 between two labellers on their overlap."""
    from feedback_nlp.labelling import agreement

    settings = get_settings()
    try:
        tax = _taxonomy(taxonomy)
        left, right = _labels_of(a, settings, tax), _labels_of(b, settings, tax)
    except FeedbackNLPError as exc:
        raise fail(exc) from None
    both = left.merge(right, on="text_hash", suffixes=("_a", "_b"))
    if both.empty:
        raise fail(InputFileError(f"{a} and {b} labelled no text in common"))
    pick = {side: both[[f"{c}_{side}" for c in ("fault_types", "primary_fault", "sentiment", "aspects")]]
            .rename(columns=lambda c: c[:-2]) for side in ("a", "b")}  # fmt: skip
    report = agreement(pick["a"], pick["b"])
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    console.print(f"{report.n} texts labelled by both")
    heads = RichTable(title="agreement per head")
    for column in ("head", "Cohen's κ", "agreement", "micro-F1", "same set"):
        heads.add_column(column)
    for head in ("fault_types", "primary_fault", "sentiment", "aspects"):
        heads.add_row(head, _f(report.kappa.get(head)), _f(report.accuracy.get(head)),
                      _f(report.micro_f1.get(head)), _f(report.exact_set.get(head)))  # fmt: skip
    console.print(heads)
    labels = RichTable(title="per-label F1 (A's labels against B's)")
    for column in ("head", "label", "F1", f"n ({a[:20]})", f"n ({b[:20]})"):
        labels.add_column(column)
    for head, scores in report.per_label_f1.items():
        for code, f1 in scores.items():
            n_a, n_b = report.support[head][code]
            labels.add_row(head, code, _f(f1), str(n_a), str(n_b))
    console.print(labels)


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@label_app.command("export")
def export_cmd(
    out: Path = typer.Option(..., "--out", help="CSV file of the current human labels (one row per text)."),
    labeller: str | None = typer.Option(None, help="Only this labeller's labels."),
) -> None:
    """Write the store's current human labels as a CSV (for `train --labels` elsewhere, or review)."""
    from feedback_nlp.labelling.tabular import write_current_labels

    settings = get_settings()
    store = _store(settings, read_only=True)
    if store is None:
        raise fail(ConfigError(f"no store at {settings.database_path}"))
    with store:
        frame = store.current_labels(labeller=labeller)
    write_current_labels(frame, out)
    console.print(f"{len(frame)} labels written to {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(label_app, name="label")
