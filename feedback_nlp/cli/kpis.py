"""``feedback-nlp kpis``: the after-sales KPI set for a window, filters, grouping and period.

    feedback-nlp kpis --from 2026-10-01 --to 2026-10-31
    feedback-nlp kpis --from 2026-01-01 --group-by region --period month --id resolution_rate --id csat_rate
    feedback-nlp kpis --filter product_line=空调 --filter region=华东,华南 --format json
    feedback-nlp kpis --list

The command parses options and calls :func:`run_kpis` (the KPIs of
:mod:`feedback_nlp.service`, as the API computes them); rendering is in plain
functions. Errors (bad date, unknown KPI or model, no store) print one line and exit with
the error's code (:mod:`feedback_nlp.cli`).
"""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console, JustifyMethod
from rich.table import Table as RichTable

from feedback_nlp import service
from feedback_nlp.cli.common import (
    FILTER_OPTION,
    FROM_OPTION,
    GROUP_BY_OPTION,
    KPI_ID_OPTION,
    KPI_MODEL_OPTION,
    PERIOD_OPTION,
    TO_OPTION,
    cli_query,
    console,
    existing_store,
    fail,
)
from feedback_nlp.cli.remote import API_KEY_OPTION, SERVER_OPTION, RemoteApi, query_params
from feedback_nlp.config import Settings
from feedback_nlp.errors import InputError
from feedback_nlp.kpis import KpiReport, KpiResult, get_definition
from feedback_nlp.store import Store

FORMATS = ("table", "json", "csv")
MET_MARK = {True: "[green]✓[/]", False: "[red]✗[/]", None: "–"}


def run_kpis(store: Store, settings: Settings, *, start: str | None = None, end: str | None = None,
             filters: list[str] | None = None, group_by: str | None = None, period: str | None = None,
             model: str | None = None, ids: list[str] | None = None) -> KpiReport:
    """Build the query from CLI-style values and compute the KPIs (:func:`feedback_nlp.service.kpi_report`).

    The active model is the one recorded in the store, as for every command.
    """
    query = cli_query(start, end, filters, group_by=group_by, period=period)
    return service.kpi_report(store, settings, query, ids=ids, model=model)


def format_value(value: float | None, unit: str) -> str:
    """A value as people read it: shares as %, hours with h, money with thousands separators."""
    if value is None:
        return "null"
    if unit == "share":
        return f"{value * 100:.1f}%"
    if unit == "hours":
        return f"{value:.2f} h"
    if unit == "currency":
        return f"{value:,.2f}"
    if unit == "count":
        return f"{value:,.0f}"
    if unit in ("rho", "ratio"):
        return f"{value:.3f}"
    if unit == "points":
        return f"{value:.1f}"
    return f"{value:.2f}"


def format_target(result: KpiResult) -> str:
    if result.target is None:
        return ""
    sign = {"higher": "≥ ", "lower": "≤ "}.get(get_definition(result.id).direction, "")
    return sign + format_value(result.target, result.unit)


def summary(result: KpiResult) -> str:
    """A short reading of ``details`` (distributions, median/p90) or the null reason."""
    if result.value is None:
        return result.reason or ""
    d = result.details
    if "median" in d:
        return f"median {format_value(d['median'], 'hours')}, p90 {format_value(d['p90'], 'hours')}"
    for key in ("counts", "buckets", "aspects", "per_method"):
        if isinstance(d.get(key), dict) and d[key]:
            parts = []
            for label, entry in list(d[key].items())[:4]:
                share = entry.get("share", entry.get("rate", entry.get("share_of_feedback")))
                parts.append(f"{label} {share * 100:.0f}%" if share is not None else f"{label} {entry.get('count')}")
            return " · ".join(parts) + (" …" if len(d[key]) > 4 else "")
    shared = {k: v for k, v in d.items() if isinstance(v, dict) and "share" in v and v["share"] is not None}
    if shared:
        return " · ".join(f"{k} {v['share'] * 100:.0f}%" for k, v in list(shared.items())[:4])
    if result.numerator is not None and result.denominator is not None:
        return f"{result.numerator:,.6g} / {result.denominator:,.6g}"
    return ""


def render_table(report: KpiReport, console: Console) -> None:
    q = report.query
    window = f"{q.start or '…'} → {q.end or '…'}"
    title = f"KPIs {window}" + "".join(f"  {k}={','.join(v)}" for k, v in q.filters.items())
    table = RichTable(title=title, caption=f"predictions: {report.model or 'none'}; zone {report.timezone}")
    table.add_column("指标")
    table.add_column("id", style="dim")
    if q.group_by:
        table.add_column(q.group_by)
    if q.period:
        table.add_column(q.period)
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("value", "right"), ("target", "right"), ("", "center"), ("n", "right"), ("details / reason", "left"),
    )
    for name, justify in columns:
        table.add_column(name, justify=justify, overflow="fold")
    for r in report.results:
        cells = [r.name_zh, r.id]
        if q.group_by:
            cells.append(r.group or "")
        if q.period:
            cells.append(r.period.isoformat() if r.period else "")
        value = format_value(r.value, r.unit) if r.value is not None else "[dim]null[/]"
        cells += [value, format_target(r), MET_MARK[r.met],
                  "" if r.sample_size is None else f"{r.sample_size:,}", summary(r)]
        table.add_row(*cells)
    console.print(table)


def render_catalogue(settings: Settings, fmt: str, console: Console) -> None:
    frame = service.kpi_catalogue_frame(settings)
    if fmt == "json":
        typer.echo(json.dumps(frame.where(frame.notna(), None).to_dict("records"), ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        frame.to_csv(sys.stdout, index=False)
        return
    table = RichTable(title="KPI catalogue 售后服务指标")
    for name in ("id", "中文名", "类别", "unit", "better", "target", "formula"):
        table.add_column(name, overflow="fold")
    for row in frame.to_dict("records"):
        target = row["target"]
        shown = "" if target is None or target != target else format_value(float(target), row["unit"])
        table.add_row(row["id"], row["name_zh"], row["category_zh"], row["unit"], row["direction"], shown,
                      row["formula"])
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``kpis`` command to ``app``."""

    @app.command("kpis")
    def kpis(
        start: str | None = FROM_OPTION,
        end: str | None = TO_OPTION,
        filters: list[str] = FILTER_OPTION,
        group_by: str | None = GROUP_BY_OPTION,
        period: str | None = PERIOD_OPTION,
        model: str | None = KPI_MODEL_OPTION,
        ids: list[str] = KPI_ID_OPTION,
        fmt: str = typer.Option("table", "--format", help=f"Output: {' | '.join(FORMATS)}."),
        list_only: bool = typer.Option(False, "--list", help="Show the KPI catalogue and exit."),
        server: str | None = SERVER_OPTION,
        api_key: str | None = API_KEY_OPTION,
    ) -> None:
        """Compute the after-sales KPIs (or list the catalogue with --list)."""
        from feedback_nlp.config import get_settings
        from feedback_nlp.errors import FeedbackNLPError

        settings = get_settings()
        if fmt not in FORMATS:
            raise fail(InputError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}"))
        if list_only:
            render_catalogue(settings, fmt, console)
            return
        try:
            if server is not None:
                with RemoteApi(server, api_key) as remote:
                    params = query_params(start=start, end=end, filters=filters, group_by=group_by, period=period,
                                          model=model) + [("ids", i) for i in ids]
                    report = KpiReport.from_dict(remote.get("/v1/kpis", params=params))
            else:
                with existing_store(settings) as store:
                    report = run_kpis(store, settings, start=start, end=end, filters=filters, group_by=group_by,
                                      period=period, model=model, ids=ids)
        except FeedbackNLPError as exc:
            raise fail(exc) from None
        if fmt == "json":
            typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        elif fmt == "csv":
            report.to_frame().to_csv(sys.stdout, index=False)
        else:
            render_table(report, console)
