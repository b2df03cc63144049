"""``feedback-nlp themes``: top fault themes and emerging issues, registered on the main app.

Thin, like :mod:`feedback_nlp.cli`: parse options, call :mod:`feedback_nlp.service` (which
model's predictions to read, with which taxonomy, masked examples: as the API decides
them), print. Exit status 2 when the library refuses (no store, no predictions, bad
filter); the message says what to do.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import typer
from rich.console import JustifyMethod
from rich.table import Table as RichTable

from feedback_nlp import service
from feedback_nlp.cli.common import cli_query, console, existing_store, fail
from feedback_nlp.cli.remote import API_KEY_OPTION, SERVER_OPTION, RemoteApi, as_objects, query_params
from feedback_nlp.config import get_settings
from feedback_nlp.errors import ConfigError, FeedbackNLPError
from feedback_nlp.text import mask_personal_data

FORMATS = ("table", "json")


def _pct(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.1%}" if signed else f"{value:.1%}"


def _num(value: float | None, fmt: str = "+.3f") -> str:
    return "-" if value is None else format(value, fmt)


def themes(
    top: int = typer.Option(10, "--top", min=1, help="Themes shown."),
    emerging: bool = typer.Option(False, "--emerging", help="Show emerging issues (significant rises) instead."),
    start: str | None = typer.Option(None, "--from", help="First day, YYYY-MM-DD (local time zone)."),
    end: str | None = typer.Option(None, "--to", help="Last day, YYYY-MM-DD (inclusive)."),
    filters: list[str] = typer.Option([], "--filter", help="KEY=VALUE (repeatable): product_line, channel, …"),
    model: str | None = typer.Option(None, "--model", help="Predictions of NAME@VERSION (default: active model)."),
    period: str | None = typer.Option(None, "--period", help="Emerging: window length day|week|month|quarter "
                                                             "(default week; --from/--to override)."),
    sort: str = typer.Option("count", "--sort", help="count | impact | nps_impact | negative_rate | change."),
    sub_themes: bool = typer.Option(True, help="Cluster each theme into sub-themes."),
    fmt: str = typer.Option("table", "--format", help="table | json."),
    server: str | None = SERVER_OPTION,
    api_key: str | None = API_KEY_OPTION,
) -> None:
    """Top fault themes (count, share, negative rate, change, keywords, sub-themes, impact) or emerging issues."""
    from feedback_nlp.classifiers.registry import active_model

    if fmt not in FORMATS:
        raise fail(ConfigError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}"))
    settings = get_settings()
    if server is not None:
        _remote_themes(server, api_key, emerging=emerging, top=top, start=start, end=end, filters=filters,
                       model=model, period=period, sort=sort, sub_themes=sub_themes, fmt=fmt)
        return
    try:
        query = cli_query(start, end, filters, period=period)
        with existing_store(settings) as store:
            active = active_model(store)  # the CLI's active model: the one recorded in the store
            if emerging:
                answer = service.emerging(store, settings, query, model=model, active=active, top=top)
            else:
                answer = service.themes_top(store, settings, query, model=model, active=active, top=top, sort=sort,
                                            sub_themes=sub_themes)
    except FeedbackNLPError as exc:
        raise fail(exc) from None
    if fmt == "json":
        key = "emerging" if emerging else "themes"
        typer.echo(json.dumps({"model": answer.model, "query": query.to_dict(), key: answer.masked_items()},
                              ensure_ascii=False, indent=2))
        return
    if emerging:
        _print_emerging(answer.items, answer.model)
    else:
        _print_themes(answer.items, answer.model, query.to_dict())


def _remote_themes(server: str, api_key: str | None, *, emerging: bool, top: int, start: str | None,
                   end: str | None, filters: list[str], model: str | None, period: str | None, sort: str,
                   sub_themes: bool, fmt: str) -> None:
    """``themes --server``: the same answer from a running server's /v1/themes routes."""
    params = query_params(start=start, end=end, filters=filters, model=model, period=period) + [("top", str(top))]
    if not emerging:
        params += [("sort", sort), ("sub_themes", str(sub_themes).lower())]
    try:
        with RemoteApi(server, api_key) as remote:
            data = remote.get("/v1/themes/emerging" if emerging else "/v1/themes/top", params=params)
    except FeedbackNLPError as exc:
        raise fail(exc) from None
    if fmt == "json":
        key = "emerging" if emerging else "themes"
        typer.echo(json.dumps({"model": data["model"], "query": data["query"], key: data["themes"]},
                              ensure_ascii=False, indent=2))
    elif emerging:
        _print_emerging(as_objects(data["themes"]), data["model"])
    else:
        _print_themes(as_objects(data["themes"]), data["model"], data["query"])


def _print_themes(result: list[Any], ref: str, query: dict[str, Any]) -> None:
    window = f"{query['from'] or '…'} – {query['to'] or '…'}"
    table = RichTable(title=f"高频故障主题 top fault themes ({window}, model {ref})")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("#", "right"), ("故障类型", "left"), ("提及", "right"), ("占比", "right"), ("负面率", "right"),
        ("环比", "right"), ("满意度影响", "right"), ("NPS影响", "right"), ("关键词", "left"), ("子主题", "left"),
    )
    for column, justify in columns:
        table.add_column(column, justify=justify, overflow="fold")
    for t in result:
        change = "-" if t.change is None else f"{t.change:+d} ({_pct(t.change_rate, signed=True)})"
        impact = t.impact
        table.add_row(
            str(t.rank), t.name_zh, f"{t.count:,}", _pct(t.share), _pct(t.negative_rate), change,
            _num(impact.satisfaction_impact if impact else None), _num(impact.nps_impact if impact else None, "+.2f"),
            "、".join(k.word for k in t.keywords[:6]),
            "；".join(f"{s.name} ({s.share:.0%})" for s in t.sub_themes[:4]),
        )  # fmt: skip
    console.print(table)
    if not result:
        console.print("no fault themes in this window")
    for t in result[:5]:
        for example in t.examples[:1]:  # masked as in the JSON output and the API: phone numbers, names…
            console.print(f"[bold]{t.name_zh}[/] 例: {mask_personal_data(example)}")


def _print_emerging(result: list[Any], ref: str) -> None:
    table = RichTable(title=f"新兴问题预警 emerging issues (model {ref})")
    for column in ("类型", "问题", "产品型号", "窗口", "本期", "基线均值", "期望", "倍数", "p", "q", "涉及型号"):
        table.add_column(column, overflow="fold")
    for i in result:
        window: tuple[date, date] = (i.period_start, i.period_end)
        table.add_row(
            "故障" if i.kind == "fault_type" else "关键词", i.name, i.product_model or "全部",
            f"{window[0]}–{window[1]}", str(i.count), f"{i.baseline_mean:.2f}", f"{i.expected:.2f}",
            "-" if i.ratio is None else f"×{i.ratio:.1f}", f"{i.p_value:.2g}", f"{i.q_value:.2g}",
            "，".join(f"{m.product_model} {m.count}" for m in i.product_models[:3]),
        )  # fmt: skip
    console.print(table)
    if not result:
        console.print("no emerging issues: no series rose significantly over its baseline")


def register(app: typer.Typer) -> None:
    """Add ``themes`` to the ``feedback-nlp`` app."""
    app.command("themes")(themes)
