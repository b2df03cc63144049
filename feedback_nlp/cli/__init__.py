"""The ``feedback-nlp`` command line: one module per command group, each thin (parse
options, call the library, print) and registered on :data:`app` here.

Exit codes: 0 success; 1 rows were rejected and ``--strict`` was given; otherwise the
exit code of the error's kind (:mod:`feedback_nlp.cli.common`): 2 input or
configuration, 3 not found, 4 conflict, 5 model, 6 store. Errors are one line;
``feedback-nlp --debug COMMAND`` shows the traceback.
"""

from __future__ import annotations

import typer

from feedback_nlp.cli import api_key, classify, db, ingest, kpis, label, models, serve, spark, themes, train
from feedback_nlp.cli.common import fail, state
from feedback_nlp.errors import FeedbackNLPError

app = typer.Typer(help="Mine Chinese after-sales feedback.", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)  # fmt: skip


@app.callback()
def _options(debug: bool = typer.Option(False, "--debug", help="Show the traceback of an error.")) -> None:
    state["debug"] = debug


for _group in (ingest, db, serve, classify, train, models, api_key, label, kpis, themes, spark):
    _group.register(app)


def main() -> None:
    """The console script: a library error that escaped a command is one line too."""
    try:
        app()
    except FeedbackNLPError as exc:
        raise SystemExit(fail(exc).exit_code) from None  # fail() re-raises with --debug


__all__ = ["app", "main"]
