"""Fine-tuning in the background while the server serves, then an atomic switch when it wins.

The first ``./dev.sh up`` trains the baseline (minutes), starts serving it, and runs the
transformer's fine-tune as a separate process (``feedback-nlp train --activate never``,
at a lower CPU priority so requests come first). The server holds the store, so the job
never opens it: the server exports the store's human labels for it beforehand and, when
the job ends, compares the new model with the serving one by the product's selection
rule. The job's command line, its result and that verdict are the library's
(:mod:`feedback_nlp.training.background`); this module starts and watches the process
and swaps the model. A winner is loaded,
recorded as active and served from the next request on (one reference swap, see
:class:`api.runtime.ModelService`); either way the decision is logged and shown under
``training`` in ``GET /v1/models``. A restart while the job runs stops it; the next
start with no transformer in the model folder starts it again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.runtime import ModelService
from feedback_nlp.config import Settings
from feedback_nlp.errors import ModelError
from feedback_nlp.labelling.tabular import export_current_labels
from feedback_nlp.training.background import finetune_command, judge, read_result

logger = logging.getLogger(__name__)

#: The job's CPU priority (``nice``): the server's requests run first on a busy machine.
NICENESS = 10


@dataclass
class TrainingStatus:
    """What ``GET /v1/models`` shows under ``training``."""

    state: str = "idle"  # idle | running | finished | failed
    minutes: float = 0.0
    started_at: str | None = None
    finished_at: str | None = None
    model: str | None = None  # the transformer the job made
    activated: bool = False
    reason: str | None = None  # why it was (not) activated, or why the job failed
    log: str | None = None  # the job's output
    predictions: int | None = None  # stored feedback texts classified with the new model after the switch


class BackgroundTraining:
    """One background fine-tune of the default transformer, started and watched by the server."""

    def __init__(self, settings: Settings, models: ModelService, *, minutes: float,
                 command: list[str] | None = None) -> None:
        self.settings = settings
        self.models = models
        self.minutes = minutes
        self.work_dir = settings.data_dir / "training"
        self.result_path = self.work_dir / "background-train.json"
        self.log_path = self.work_dir / "background-train.log"
        #: The job's command line; tests pass a cheaper one (the real ``train`` takes minutes).
        self.command = command
        self.status = TrainingStatus(minutes=minutes)
        self._proc: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None

    def _argv(self, labels: Path | None) -> list[str]:
        if self.command is not None:
            return list(self.command)
        return finetune_command(self.minutes, self.result_path, labels)

    def _env(self) -> dict[str, str]:
        s = self.settings
        return {**os.environ, "FEEDBACK_NLP_DATA_DIR": str(s.data_dir), "FEEDBACK_NLP_MODEL_DIR": str(s.model_dir),
                "FEEDBACK_NLP_PUBLIC_DATA_DIR": str(s.public_data_dir), "PYTHONUNBUFFERED": "1"}

    def _export_labels(self) -> Path | None:
        """The store's human labels as a file for the job (which must not open the store)."""
        store = self.models.store
        exported = export_current_labels(store, self.work_dir / "store_labels.csv") if store is not None else None
        return exported[0] if exported is not None else None

    async def start(self) -> None:
        """Start the job (returns at once); its end is handled by a task of the event loop."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.result_path.unlink(missing_ok=True)
        labels = await asyncio.to_thread(self._export_labels)
        log = open(self.log_path, "wb")  # noqa: SIM115 - handed to the child, closed when it ends
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *self._argv(labels), stdout=log, stderr=asyncio.subprocess.STDOUT, env=self._env(),
                start_new_session=True)
        except OSError as exc:
            log.close()
            self._finish("failed", f"could not start the fine-tune: {exc}")
            return
        try:  # the new session's process group: the job and any process it starts
            os.setpriority(os.PRIO_PGRP, self._proc.pid, NICENESS)
        except OSError:
            pass  # it runs at normal priority
        self.status = TrainingStatus(state="running", minutes=self.minutes, started_at=_now(), log=str(self.log_path))
        logger.info("fine-tuning the transformer in the background (budget %g min, pid %d, log %s); "
                    "serving %s meanwhile", self.minutes, self._proc.pid, self.log_path, self.models.active_ref)
        self._task = asyncio.create_task(self._watch(log), name="background-training")

    async def _watch(self, log: Any) -> None:
        assert self._proc is not None
        try:
            code = await self._proc.wait()
        finally:
            log.close()
        if code != 0:
            self._finish("failed", f"the fine-tune exited with code {code}; see {self.log_path}")
            return
        try:
            ref = read_result(self.result_path, self.log_path)
            self.status.model = ref
            wins, reason = await asyncio.to_thread(judge, ref, self.models.active_ref, self.models.model_dir)
        except ModelError as exc:
            self._finish("failed", str(exc))
            return
        if not wins:
            logger.info("background fine-tune: %s; %s keeps serving", reason, self.models.active_ref)
            self._finish("finished", reason)
            return
        await self._switch(ref, reason)

    async def _switch(self, ref: str, reason: str) -> None:
        """Load, record and serve ``ref``, then store its predictions."""
        try:
            await asyncio.to_thread(self.models.activate, ref)
        except Exception as exc:  # a model that does not load is never served
            logger.warning("background fine-tune: %s did not load (%s)", ref, exc)
            self._finish("failed", f"{ref} did not load: {exc}")
            return
        self.status.activated = True
        logger.info("background fine-tune: %s; switched to %s", reason, ref)
        self._finish("finished", reason)
        await self._predict_stored(ref)

    async def _predict_stored(self, ref: str) -> None:
        """Store the new model's predictions of the stored feedback, so themes read the serving model.

        The CLI cannot do it while the server holds the store; until it is done, themes read
        the predictions stored before (the newest model's).
        """
        from feedback_nlp.predictions import ensure_predictions

        store = self.models.store
        if store is None:
            return
        try:
            loaded = await asyncio.to_thread(self.models.get, ref)
            report = await asyncio.to_thread(ensure_predictions, store, loaded.classification)
        except Exception as exc:  # noqa: BLE001 - the switch stands; the predictions can be made later
            logger.warning("background fine-tune: storing %s's predictions failed: %s", ref, exc)
            return
        if report is not None:
            self.status.predictions = report.n_stored
            logger.info("stored %d predictions of %s (%.0f s)", report.n_stored, ref, report.duration_s)

    def _finish(self, state: str, reason: str) -> None:
        self.status.state = state
        self.status.reason = reason
        self.status.finished_at = _now()
        if state == "failed":
            logger.warning("background fine-tune failed: %s", reason)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self.status)

    async def close(self) -> None:
        """Stop a running job (its whole process group) and wait for it."""
        proc = self._proc
        if proc is not None and proc.returncode is None:
            logger.info("stopping the background fine-tune (pid %d)", proc.pid)
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                await asyncio.wait_for(proc.wait(), timeout=10)
            except ProcessLookupError:
                pass
            except TimeoutError:
                os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down
                pass


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
