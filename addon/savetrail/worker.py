"""Deliver the outbox to the server from a background thread. No Blender here, ever.

API for the Blender layer (main thread):

    settings = DeliverySettings(server_url, api_key, connect_timeout=5.0, read_timeout=15.0,
                                ca_file="", online_allowed=bpy.app.online_access)
    worker = DeliveryWorker(Outbox(folder), settings, translate=bpy.app.translations.pgettext_iface)
    worker.start()                    # from a timer after register(), never inside register()
    worker.wake()                     # after outbox.append(report), and for "Send pending (N)"
    worker.update_settings(settings)  # when a preference or online access changes (wakes too)
    event = worker.events.get_nowait()  # StatusEvent, read from a bpy.app.timers callback
    worker.status                     # the latest StatusEvent, or None before the first
    worker.stop(timeout=1.0)          # in unregister() and at quit; True when the thread ended

A StatusEvent carries ``state`` (one of the State names), ``message`` (artist words,
already translated), ``pending`` and ``rejected`` counts, ``retry_in`` seconds and
``sent`` (reports delivered by the pass). Tests drive ``run_once(now)`` without the
thread: it makes at most one delivery pass and returns the seconds until the next
one is due, or None when only wake() or new settings can start one.
"""

from __future__ import annotations

import logging
import math
import queue
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from . import messages
from .client import (
    BATCH_LIMIT,
    Delivery,
    HttpTransport,
    Outcome,
    Problem,
    Transport,
    TransportError,
    parse_server_url,
    post_batch,
    post_report,
)
from .outbox import Outbox

logger = logging.getLogger(__name__)

BATCH_THRESHOLD = 5  # more pending reports than this go in batches
BACKOFF_BASE = 2.0
BACKOFF_CAP = 300.0
MIN_DELAY = 1.0
OTHER_SESSION_DELAY = 10.0
FAULT_DELAY = 60.0
EVENT_QUEUE_SIZE = 100


class State:
    IDLE = "idle"
    SENT = "sent"
    RETRYING = "retrying"
    REJECTED = "rejected"
    UNAUTHORIZED = "unauthorized"
    OFFLINE = "offline"
    NOT_CONFIGURED = "not_configured"
    WAITING = "waiting"  # another Blender session holds the outbox


@dataclass(frozen=True)
class DeliverySettings:
    server_url: str = ""
    api_key: str = ""
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    ca_file: str = ""
    online_allowed: bool = True


@dataclass(frozen=True)
class StatusEvent:
    state: str
    message: str
    pending: int
    rejected: int
    retry_in: float | None = None
    sent: int = 0


@dataclass
class _Pass:
    sent: int = 0
    rejected: int = 0
    last_reason: str = ""
    failure: Delivery | None = None


def http_transport(settings: DeliverySettings) -> Transport:
    return HttpTransport(
        settings.server_url,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        ca_file=settings.ca_file,
    )


class DeliveryWorker:
    """Sends pending reports, retries with back-off, and reports how it went."""

    def __init__(
        self,
        outbox: Outbox,
        settings: DeliverySettings,
        *,
        transport_factory: Callable[[DeliverySettings], Transport] = http_transport,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        random: Callable[[], float] = random.random,
        translate: Callable[[str], str] = messages.identity,
        events: queue.Queue | None = None,
    ):
        self.outbox = outbox
        self.events: queue.Queue[StatusEvent] = events if events is not None else queue.Queue(EVENT_QUEUE_SIZE)
        self._transport_factory = transport_factory
        self._clock = clock
        self._wall_clock = wall_clock
        self._random = random
        self._translate = translate

        self._lock = threading.Lock()
        self._settings = settings
        self._transport: Transport | None = None
        self._transport_settings: DeliverySettings | None = None
        self._next_attempt = -math.inf
        self._not_before = -math.inf  # set by the server's Retry-After; wake() respects it
        self._failures = 0
        self._batch_size = BATCH_LIMIT
        self._status: StatusEvent | None = None
        self._wake_event = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def settings(self) -> DeliverySettings:
        with self._lock:
            return self._settings

    @property
    def status(self) -> StatusEvent | None:
        return self._status

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="savetrail-delivery", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Send now, unless the server asked to wait (Retry-After)."""
        with self._lock:
            self._next_attempt = self._not_before
        self._wake_event.set()

    def update_settings(self, settings: DeliverySettings) -> None:
        """Use new settings from the next pass; a request made with the old ones is broken off."""
        with self._lock:
            if settings.server_url != self._settings.server_url:
                self._not_before = -math.inf  # another server: the old one's Retry-After is moot
            self._settings = settings
            self._batch_size = BATCH_LIMIT
            self._next_attempt = self._not_before
            outdated = self._transport if self._transport_settings != settings else None
        if outdated is not None:
            # A request to the old address, or with the old key, is not worth waiting for:
            # the report stays pending and goes out with the new settings.
            outdated.abort()
        self._wake_event.set()

    def stop(self, timeout: float = 1.0) -> bool:
        """Stop the thread, breaking off a request in flight; return whether it ended in time."""
        self._stopping.set()
        self._wake_event.set()
        with self._lock:
            transport = self._transport
        if transport is not None:
            transport.abort()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def run_once(self, now: float) -> float | None:
        """Make one delivery pass if one is due; return the seconds until the next, or None."""
        with self._lock:
            settings = self._settings
            due_in = self._next_attempt - now
        if self._stopping.is_set():
            return None

        blocker = _blocker(settings)
        if blocker is not None:
            state, problem = blocker
            self._publish(state, problem.text(self._translate))
            return None

        if due_in > 0:
            return due_in

        with self.outbox.delivery_lock() as held:
            if not held:
                return self._wait_for_other_session(now)
            result = self._deliver(settings)

        if result.failure is not None:
            return self._schedule_retry(result, now)

        with self._lock:
            self._failures = 0
        counts = self._publish_pass(result)
        if counts.pending and (result.sent or result.rejected):
            return 0.0  # reports arrived during the pass
        return None

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake_event.clear()
            try:
                delay = self.run_once(self._clock())
            except Exception:
                logger.exception("SaveTrail delivery failed; trying again in %s s", FAULT_DELAY)
                delay = FAULT_DELAY
            if delay is None or delay > 0:
                self._wake_event.wait(delay)

    def _deliver(self, settings: DeliverySettings) -> _Pass:
        result = _Pass()
        try:
            transport = self._transport_for(settings)
        except TransportError as error:
            result.failure = Delivery(Outcome.RETRY, problem=error.problem)
            return result

        pending = self.outbox.pending(limit=BATCH_LIMIT)
        while pending and result.failure is None and not self._stopping.is_set():
            if len(pending) > BATCH_THRESHOLD and self._batch_size > BATCH_THRESHOLD:
                chunk = pending[: self._batch_size]
                if self._deliver_batch(transport, settings, chunk, result):
                    pending = pending[len(chunk) :]
            else:
                self._deliver_one(transport, settings, pending.pop(0), result)
        return result

    def _deliver_batch(self, transport: Transport, settings: DeliverySettings, reports: list, result: _Pass) -> bool:
        """Send one batch; return False when the server refused it as a whole and it must be sent smaller."""
        batch = post_batch(transport, settings.api_key, reports, now=self._wall_clock())
        if batch.fall_back:
            # Too large: halve it. Any other refusal: single reports until the settings change.
            self._batch_size = self._batch_size // 2 if batch.delivery.status == 413 else 0
            logger.warning("SaveTrail batch refused (HTTP %s); sending fewer at once", batch.delivery.status)
            return False

        if batch.delivery.outcome is not Outcome.DELIVERED:
            result.failure = batch.delivery
            return True

        for item in batch.items:
            self._record(item.event_id, item.outcome, item.reason, result)
        if len(batch.items) < len(reports):
            problem = Problem(messages.UNEXPECTED_ANSWER, {"status": batch.delivery.status})
            result.failure = Delivery(Outcome.RETRY, status=batch.delivery.status, problem=problem)
        return True

    def _deliver_one(self, transport: Transport, settings: DeliverySettings, report: dict, result: _Pass) -> None:
        delivery = post_report(transport, settings.api_key, report, now=self._wall_clock())
        if delivery.outcome in (Outcome.RETRY, Outcome.UNAUTHORIZED):
            logger.warning("SaveTrail report %s not sent: %s", report["event_id"], delivery.problem.text())
            result.failure = delivery
            return
        self._record(report["event_id"], delivery.outcome, delivery.reason, result)

    def _record(self, event_id: str, outcome: Outcome, reason: str, result: _Pass) -> None:
        if outcome is Outcome.DELIVERED:
            self.outbox.remove(event_id)
            result.sent += 1
            logger.info("SaveTrail report %s delivered", event_id)
        elif outcome is Outcome.REJECTED:
            self.outbox.reject(event_id, reason)
            result.rejected += 1
            result.last_reason = reason
            logger.warning("SaveTrail report %s rejected by the server: %s", event_id, reason)

    def _transport_for(self, settings: DeliverySettings) -> Transport:
        with self._lock:
            if self._transport is not None and self._transport_settings == settings:
                return self._transport
        transport = self._transport_factory(settings)
        with self._lock:
            self._transport, self._transport_settings = transport, settings
            outdated = self._settings != settings  # changed since this pass began
        if self._stopping.is_set() or outdated:
            transport.abort()
        return transport

    def _schedule_retry(self, result: _Pass, now: float) -> float:
        failure = result.failure
        with self._lock:
            if result.sent or result.rejected:
                self._failures = 0  # the server answered this pass: start the back-off afresh
            self._failures += 1
            ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** min(self._failures - 1, 16))
            delay = max(MIN_DELAY, self._random() * ceiling)
            if failure.retry_after is not None:
                delay = max(delay, failure.retry_after)
                self._not_before = now + failure.retry_after
            self._next_attempt = now + delay

        problem = failure.problem.text(self._translate)
        counts = self.outbox.counts()
        if failure.outcome is Outcome.UNAUTHORIZED:
            self._publish(State.UNAUTHORIZED, problem, counts=counts, retry_in=delay, sent=result.sent)
        else:
            message = messages.render(messages.RETRY_IN, self._translate, problem=problem, seconds=math.ceil(delay))
            self._publish(State.RETRYING, message, counts=counts, retry_in=delay, sent=result.sent)
        return delay

    def _wait_for_other_session(self, now: float) -> float:
        with self._lock:
            self._next_attempt = now + OTHER_SESSION_DELAY
        self._publish(
            State.WAITING,
            messages.render(messages.OTHER_SESSION_SENDING, self._translate),
            retry_in=OTHER_SESSION_DELAY,
        )
        return OTHER_SESSION_DELAY

    def _publish_pass(self, result: _Pass):
        counts = self.outbox.counts()
        if result.rejected:
            message = messages.render(messages.REJECTED, self._translate, reason=result.last_reason)
            self._publish(State.REJECTED, message, counts=counts, sent=result.sent)
        elif result.sent == 1:
            self._publish(State.SENT, messages.render(messages.SENT, self._translate), counts=counts, sent=1)
        elif result.sent:
            message = messages.render(messages.SENT_MANY, self._translate, count=result.sent)
            self._publish(State.SENT, message, counts=counts, sent=result.sent)
        else:
            self._publish(State.IDLE, "", counts=counts)
        return counts

    def _publish(self, state: str, message: str, *, counts=None, retry_in: float | None = None, sent: int = 0):
        counts = counts or self.outbox.counts()
        event = StatusEvent(state, message, counts.pending, counts.rejected, retry_in, sent)
        if event == self._status and not sent:
            return  # the same news again, for example from every wake() while offline
        self._status = event
        while True:
            try:
                self.events.put_nowait(event)
                return
            except queue.Full:
                try:
                    self.events.get_nowait()  # nobody reads: keep the newest
                except queue.Empty:
                    pass


def _blocker(settings: DeliverySettings) -> tuple[str, Problem] | None:
    """Return why nothing may be sent with these settings, or None."""
    if not settings.online_allowed:
        return State.OFFLINE, Problem(messages.OFFLINE)
    if not settings.server_url.strip() or not settings.api_key.strip():
        return State.NOT_CONFIGURED, Problem(messages.NOT_CONFIGURED)
    try:
        parse_server_url(settings.server_url)
    except TransportError as error:
        return State.NOT_CONFIGURED, error.problem
    return None
