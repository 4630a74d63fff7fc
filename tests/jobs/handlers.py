"""Job kinds for the tests, registered through ``JOB_HANDLER_MODULES=tests.jobs.handlers``.

Each handler leaves evidence outside the database: a line appended (``O_APPEND``, one ``write``
per line, so concurrent processes never interleave) to the file named by ``payload["path"]``:
``<event> <job id> <attempt> <pid>``. Counting ``end`` lines per job id proves how often a job
really ran, whatever the database says.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from server.jobs import HandlerRegistry, JobContext, PermanentJobError
from tours import jobs as job_service


def note(context: JobContext, event: str) -> None:
    """Append one evidence line for ``context``'s job to ``payload["path"]``."""
    line = f"{event} {context.job_id} {context.attempt} {os.getpid()}\n".encode()
    descriptor = os.open(context.payload["path"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, line)
    finally:
        os.close(descriptor)


def record(context: JobContext) -> None:
    """Note that the job ran; ``seconds`` of pretend work first (default none)."""
    time.sleep(float(context.payload.get("seconds", 0)))
    note(context, "end")


def sleep(context: JobContext) -> None:
    """Work for ``seconds``, reporting progress and checking the lease every 50 ms."""
    note(context, "start")
    seconds = float(context.payload["seconds"])
    started = time.monotonic()
    while (elapsed := time.monotonic() - started) < seconds:
        context.report_progress(int(100 * elapsed / seconds), "sleeping")
        time.sleep(0.05)
    note(context, "end")


def wait(context: JobContext) -> None:
    """Wait until the file ``go-<attempt>`` appears in ``payload["gate"]`` (at most ``timeout``).

    With ``check`` false the handler ignores its lease and stop requests, like a handler stuck
    in a long computation: what matters then is what the worker does with its late result.
    """
    note(context, "start")
    gate = Path(context.payload["gate"]) / f"go-{context.attempt}"
    deadline = time.monotonic() + float(context.payload.get("timeout", 30))
    while not gate.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{gate} did not appear")
        if context.payload.get("check", True):
            context.check()
        time.sleep(0.02)
    if "follow_up" in context.payload:
        # A database change made by the job: it must be committed with the job's success only.
        job_service.enqueue(context.session, context.payload["follow_up"],
                            {"path": context.payload["path"]})
    note(context, "end")


def fail(context: JobContext) -> None:
    """Fail with ``message``; permanently (no retries) when ``permanent`` is set."""
    note(context, "end")
    if context.payload.get("permanent"):
        raise PermanentJobError(context.payload["message"])
    raise RuntimeError(context.payload["message"])


def register_job_handlers(registry: HandlerRegistry) -> None:
    registry.register("test.record", record)
    registry.register("test.sleep", sleep)
    registry.register("test.wait", wait)
    registry.register("test.fail", fail)
