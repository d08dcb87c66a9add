"""What a scheduled engine did, for Prometheus (`/metrics`) and for a probe (`/healthz`).

The figures are `prometheus-client` metrics in a registry of their own; the endpoint is a
small WSGI app in a daemon thread, bound to 127.0.0.1 unless told otherwise (the figures
name rules and targets, not people, but they are nobody else's business).

`/healthz` answers 200 while the last attempt went well and is recent: a run that stopped
(token refused, target unreadable), crashed or read its sources partially makes it 503, and so
does silence longer than two intervals (a hung or dead loop). A tick skipped because another
machine holds the target's lease counts as recent and well: that machine is doing the work.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import orjson
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    make_wsgi_app,
)

from scimguard.sync.planner import PLANNED
from scimguard.sync.planner import REMEMBERED as REMEMBERED_ACTIONS

# summary key of a run -> the plan's action it counts (the succeeded ones)
SUCCEEDED = {
    "created": "create",
    "updated": "update",
    "deactivated": "deactivate",
    "deleted": "delete",
    "unchanged": "unchanged",
}


# the summary keys of refusals not sent again (sync/memory.py)
REMEMBERED = tuple(PLANNED[action] for action in REMEMBERED_ACTIONS)


class Metrics:
    def __init__(self) -> None:
        disable_created_metrics()  # `_created` series per counter: noise for a scheduler
        self.registry = CollectorRegistry()
        r = self.registry
        self.runs = Counter("scimguard_sync_runs", "Sync runs by outcome.", ["outcome"], registry=r)
        self.records = Counter(
            "scimguard_sync_records",
            "Records by planned action and outcome (succeeded, failed, blocked).",
            ["action", "outcome"],
            registry=r,
        )
        self.open_tasks = Gauge(
            "scimguard_sync_open_tasks",
            "Open tasks by rule, after the last run.",
            ["rule"],
            registry=r,
        )
        self.throttled = Counter(
            "scimguard_sync_throttled",
            "429 answers of the target that were retried.",
            registry=r,
        )
        self.retries = Counter(
            "scimguard_sync_retries",
            "Retried calls to the target (429, 5xx, timeouts).",
            registry=r,
        )
        self.duration = Histogram(
            "scimguard_sync_run_duration_seconds",
            "Duration of runs.",
            buckets=(1, 5, 15, 60, 300, 900, 1800, 3600, 7200),
            registry=r,
        )
        self.last_success = Gauge(
            "scimguard_sync_last_success_timestamp_seconds",
            "When the last run that went well finished (epoch seconds).",
            registry=r,
        )
        self.last_run = Gauge(
            "scimguard_sync_last_run_timestamp_seconds",
            "When the last run finished, whatever its outcome (epoch seconds).",
            registry=r,
        )

    def observe(
        self,
        outcome: str,
        healthy: bool,
        *,
        summary: dict[str, Any] | None = None,
        task_states: Iterable[tuple[str, str]] = (),
        counts: dict[str, int] | None = None,
        seconds: float | None = None,
        open_by_rule: dict[str, int] | None = None,
    ) -> None:
        """One run's figures (`task_states`: (operation, state) of the tasks it filed)."""
        self.runs.labels(outcome).inc()
        for key, action in SUCCEEDED.items():
            if summary and summary.get(key):
                self.records.labels(action, "succeeded").inc(summary[key])
        for operation, state in task_states:
            self.records.labels(operation, state).inc()
        for key in REMEMBERED:  # refused before and unchanged since: counted, not sent (#22)
            if summary and summary.get(key):
                self.records.labels("remembered", key).inc(summary[key])
        counts = counts or {}
        self.throttled.inc(counts.get("retried_429", 0))
        self.retries.inc(counts.get("retries", 0))
        if seconds is not None:
            self.duration.observe(seconds)
        if open_by_rule is not None:
            self.open_tasks.clear()
            for rule, n in open_by_rule.items():
                self.open_tasks.labels(rule).set(n)
        self.last_run.set_to_current_time()
        if healthy:
            self.last_success.set_to_current_time()


@dataclass
class Health:
    """The last attempt of the loop, and the run in progress, as `/healthz` judges them.

    A run in progress is judged by its last sign of life (its start, then each operation
    done), not by its length: a first sync of many hours stays healthy while it advances, and
    a probe restarting the container would only start it over.
    """

    interval: float
    started: float = field(default_factory=time.time)
    last_at: float | None = None
    last_outcome: str | None = None
    last_ok: bool = False
    alive_at: float | None = None  # the run in progress: its latest sign of life

    def begin(self) -> None:
        self.alive_at = time.time()

    def progress(self, _done: int = 0, _total: int = 0) -> None:
        self.alive_at = time.time()

    def record(self, outcome: str, ok: bool) -> None:
        self.last_at, self.last_outcome, self.last_ok = time.time(), outcome, ok
        self.alive_at = None

    def verdict(self) -> tuple[bool, dict[str, Any]]:
        now = time.time()
        latest = max(t for t in (self.started, self.last_at, self.alive_at) if t is not None)
        since = now - latest
        body: dict[str, Any] = {
            "last_outcome": self.last_outcome,
            "running": self.alive_at is not None,
            "seconds_since_last": round(since, 3),
            "interval_seconds": self.interval,
        }
        if since > 2 * self.interval:
            body["status"] = "stale"
        elif self.last_at is not None and not self.last_ok:
            body["status"] = "failing"
        elif self.alive_at is not None:
            body["status"] = "running"
        else:
            body["status"] = "ok" if self.last_at is not None else "starting"
        return body["status"] in ("ok", "running", "starting"), body


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def make_app(metrics: Metrics, health: Health) -> Callable:
    prometheus = make_wsgi_app(metrics.registry)

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            ok, body = health.verdict()
            start_response(
                "200 OK" if ok else "503 Service Unavailable",
                [("Content-Type", "application/json")],
            )
            return [orjson.dumps(body)]
        if path == "/metrics":
            return prometheus(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"/healthz or /metrics\n"]

    return app


class Endpoint:
    """The HTTP endpoint in a daemon thread; `port` is the one bound (0 picks a free one)."""

    def __init__(self, host: str, port: int, metrics: Metrics, health: Health) -> None:
        self.server = make_server(
            host, port, make_app(metrics, health), server_class=_Server, handler_class=_Quiet
        )
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="scimguard-metrics", daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
