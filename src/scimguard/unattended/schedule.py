"""When unattended runs happen: the schedule, the signals, and the seam with `scimguard sync`.

`take_over(cfg, engine)` is what `scimguard sync` calls once its run is configured. With
`--every` (or `--log-format json`) the runs are this module's: `serve` repeats
`Runner.attempt()` on a fixed grid, `every` apart plus jitter, so a failed run waits for the
next tick and never loops; `once` makes a single attempt. Otherwise the command runs as it
always did, holding the target's lease for that one run (or exiting 75 when it is taken).

SIGTERM (or Ctrl-C) closes the current run's gate and ends the loop: the requests in flight
finish, the run is recorded as stopped, the lease is released, and the scheduler exits 0.
"""

from __future__ import annotations

import asyncio
import random
import signal
import sys
import time
from contextlib import AbstractContextManager

import click
import orjson
from sqlalchemy import Engine

from scimguard.db import redact
from scimguard.sync.run import SyncConfig
from scimguard.unattended import events
from scimguard.unattended.lease import Lease
from scimguard.unattended.metrics import Endpoint
from scimguard.unattended.options import Mode
from scimguard.unattended.runner import EXIT_BUSY, Runner


def _on_signal(runner: Runner, name: str, stop: asyncio.Event) -> None:
    events.emit("signal", signal=name, running=runner.gate is not None)
    runner.stopping = True
    stop.set()
    if runner.gate is not None:
        runner.gate.close()


async def serve(runner: Runner) -> int:
    """Attempts on a jittered grid until SIGTERM or Ctrl-C; 0 when stopped so."""
    every = float(runner.mode.every or 0)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _on_signal, runner, sig.name, stop)
    endpoint = None
    if runner.mode.metrics_port is not None:
        try:
            endpoint = Endpoint(
                runner.mode.metrics_host, runner.mode.metrics_port, runner.metrics, runner.health
            )
        except OSError as exc:  # the port is taken, the address is not ours
            raise click.UsageError(
                f"--metrics-port {runner.mode.metrics_port}: cannot listen on "
                f"{runner.mode.metrics_host} ({exc.strerror or exc})"
            ) from None
    jitter = runner.mode.first_jitter
    events.emit(
        "schedule_started",
        target=runner.cfg.target_url,
        state=redact(str(runner.engine.url)),
        every=every,
        jitter=jitter,
        metrics=f"http://{runner.mode.metrics_host}:{endpoint.port}" if endpoint else None,
    )
    base = time.monotonic()
    at = base + random.uniform(0, jitter)
    try:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), max(0.0, at - time.monotonic()))
                break
            except TimeoutError:
                pass
            await runner.attempt()
            while base <= time.monotonic():  # the next tick of the grid: never a tight loop
                base += every
            at = base + random.uniform(0, jitter)
    finally:
        if endpoint is not None:
            endpoint.close()
        events.emit("schedule_stopped", target=runner.cfg.target_url)
    return 0


async def once(runner: Runner, *, print_summary: bool = False) -> int:
    """One run (`--log-format json` without `--every`); `--format json` still prints the summary."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _on_signal, runner, sig.name, stop)
    attempt = await runner.attempt()
    if print_summary and attempt.result is not None:
        sys.stdout.write(orjson.dumps(attempt.result.summary).decode() + "\n")
    return attempt.exit_status


# --- the seam with `scimguard sync` ------------------------------------------------------------


def take_over(cfg: SyncConfig, engine: Engine) -> None:
    """Run unattended when asked (never returns then); else hold the lease for this run."""
    ctx = click.get_current_context()
    mode = Mode.of(ctx)
    if mode.metrics_port is not None and mode.every is None:
        raise click.UsageError("--metrics-port needs --every (the endpoint of a scheduler)")
    if mode.takes_over:
        events.setup(mode.log_format)
        runner = Runner(cfg, engine, mode)
        if mode.every is not None:
            sys.exit(asyncio.run(serve(runner)))
        sys.exit(asyncio.run(once(runner, print_summary=bool(ctx.params.get("as_json")))))
    if not cfg.dry_run:
        ctx.with_resource(_hold(Lease(engine, cfg.target_url, mode.lease_ttl)))


def _hold(lease: Lease) -> AbstractContextManager[None]:
    if not lease.acquire():
        holder = lease.current()
        who = f" ({holder.holder}, {holder.expires_in:.0f}s left)" if holder else ""
        click.secho(
            f"another run against {lease.name} holds its lease{who}; try again later",
            fg="yellow",
            err=True,
        )
        sys.exit(EXIT_BUSY)

    def lost() -> None:
        click.secho("warning: the target's lease was taken over by another run", err=True)

    return lease.renewing(lost)
