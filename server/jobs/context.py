"""What a job handler sees: the registry that maps kinds to handlers and the per-job context."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.orm import Session

from tours.jobs import LeaseLost

if TYPE_CHECKING:
    from flask import Flask


class JobInterrupted(Exception):
    """The worker is shutting down and asked the handler to stop; the job goes back to the queue."""


class PermanentJobError(Exception):
    """Raised by a handler when retrying cannot help (the input is broken): no further attempts."""


class ProgressSink(Protocol):
    """Where progress goes and whether the claim still holds (the worker's lease keeper)."""

    @property
    def lost(self) -> bool: ...

    def set_progress(self, progress: int, stage: str) -> None: ...


@dataclass(frozen=True)
class Claim:
    """A job as claimed by a worker: enough to run it and to record its outcome."""

    job_id: int
    kind: str
    token: str
    payload: Mapping[str, Any]
    attempt: int


class JobContext:
    """Handed to a handler: the job's payload, a session, progress reporting and stop checks.

    Database changes made through ``session`` are committed in the same transaction that marks
    the job succeeded, and rolled back if the worker lost its claim meanwhile. Long handlers call
    ``report_progress`` or ``check`` between steps; both raise ``LeaseLost`` when another worker
    has taken the job over and ``JobInterrupted`` when the worker is shutting down.
    """

    def __init__(
        self,
        claim: Claim,
        session: Session,
        sink: ProgressSink,
        interrupted: threading.Event,
        worker_id: str,
    ) -> None:
        self.job_id = claim.job_id
        self.kind = claim.kind
        self.payload: Mapping[str, Any] = MappingProxyType(dict(claim.payload))
        #: 1 on the first try, 2 on the first retry, …
        self.attempt = claim.attempt
        self.session = session
        self.worker_id = worker_id
        self._sink = sink
        self._interrupted = interrupted

    @property
    def lease_held(self) -> bool:
        """False once a heartbeat found that the claim is no longer this worker's."""
        return not self._sink.lost

    @property
    def stop_requested(self) -> bool:
        """True when the worker wants the handler to stop at the next safe point."""
        return self._interrupted.is_set()

    def check(self) -> None:
        """Raise ``LeaseLost`` or ``JobInterrupted`` if the handler should stop now."""
        if self._sink.lost:
            raise LeaseLost(job_id=self.job_id)
        if self._interrupted.is_set():
            raise JobInterrupted(f"job {self.job_id} interrupted: the worker is stopping")

    def report_progress(self, progress: int, stage: str = "") -> None:
        """Publish how far the job is (0–100) and its current stage; also checks for a stop.

        The value is written by the worker's lease keeper in the background, so reporting never
        waits for the database.
        """
        self.check()
        self._sink.set_progress(progress, stage)


Handler = Callable[[JobContext], None]


class HandlerRegistry:
    """Maps a job kind to the callable that runs it. One registry per application."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        #: called with the app when a standing ``flask worker`` starts (not a ``--drain`` run):
        #: jobs that keep themselves queued make sure they are (see ``on_worker_start``)
        self.start_hooks: list[Callable[[Flask], None]] = []

    def on_worker_start(self, hook: Callable[[Flask], None]) -> None:
        """Run ``hook(app)`` when a ``flask worker`` process starts to wait for jobs."""
        self.start_hooks.append(hook)

    def register(self, kind: str, handler: Handler) -> None:
        """Make ``handler`` run jobs of ``kind``; a kind has exactly one handler."""
        if not kind or len(kind) > 64:
            raise ValueError(f"job kind must be 1–64 characters, got {kind!r}")
        if kind in self._handlers and self._handlers[kind] is not handler:
            raise ValueError(f"a handler for job kind {kind!r} is already registered")
        self._handlers[kind] = handler

    def get(self, kind: str) -> Handler:
        return self._handlers[kind]

    def kinds(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def __contains__(self, kind: object) -> bool:
        return kind in self._handlers
