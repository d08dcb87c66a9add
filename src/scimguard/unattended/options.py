"""The options of unattended runs, kept out of `sync_command`'s signature on purpose.

They are `expose_value=False`: each callback files its value in `ctx.meta`, and `Mode.of(ctx)`
reads them back. `scimguard sync` keeps its own arguments, and these can grow without
touching them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from scimguard.unattended.config import load_config
from scimguard.unattended.duration import DURATION
from scimguard.unattended.lease import DEFAULT_LEASE

F = TypeVar("F", bound=Callable[..., Any])
_META = "scimguard.unattended"


@dataclass(frozen=True)
class Mode:
    """What the command line (and config file) ask of an unattended run."""

    every: float | None = None  # seconds between scheduled runs; None: run once
    jitter: float | None = None  # None: a tenth of `every`, at most five minutes
    lease_ttl: float = DEFAULT_LEASE
    log_format: str = "text"
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"

    @classmethod
    def of(cls, ctx: click.Context) -> Mode:
        values = dict(ctx.meta.get(_META, {}))
        if values.get("every") == 0:  # `--every 0`: once, even when the config file schedules
            values.pop("every")
        return cls(**values)

    @property
    def takes_over(self) -> bool:
        """Whether the runner of this package runs the sync (not the interactive path)."""
        return self.every is not None or self.log_format == "json"

    @property
    def first_jitter(self) -> float:
        if self.jitter is not None:
            return self.jitter
        return min(300.0, (self.every or 0.0) / 10)


def _keep(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value is not None:
        ctx.meta.setdefault(_META, {})[str(param.name)] = value
    return value


def _load_config(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.default_map = {**(ctx.default_map or {}), **load_config(ctx, Path(value))}


def unattended_options(function: F) -> F:
    decorators = [
        click.option(
            "--config",
            type=click.Path(dir_okay=False),
            is_eager=True,
            expose_value=False,
            callback=_load_config,
            metavar="FILE",
            help="TOML file of these options (keys: the option names without --); the "
            "command line wins. Secrets: token-env / token-file only.",
        ),
        click.option(
            "--every",
            type=DURATION,
            expose_value=False,
            callback=_keep,
            metavar="DURATION",
            help="Run forever, once per interval (30m, 1h, 2s), one run at a time per target; "
            "0: once.",
        ),
        click.option(
            "--jitter",
            type=DURATION,
            expose_value=False,
            callback=_keep,
            metavar="DURATION",
            help="Random delay before each scheduled run [default: every/10, at most 5m].",
        ),
        click.option(
            "--lease-ttl",
            type=DURATION,
            expose_value=False,
            callback=_keep,
            metavar="DURATION",
            help=f"How long the target's lease outlives a silent holder [default: "
            f"{DEFAULT_LEASE:.0f}s].",
        ),
        click.option(
            "--log-format",
            type=click.Choice(["text", "json"]),
            expose_value=False,
            callback=_keep,
            help="json: one event a line on stderr (run started/finished, task filed, retry, "
            "throttled) [default: text].",
        ),
        click.option(
            "--metrics-port",
            type=click.IntRange(0, 65535),
            expose_value=False,
            callback=_keep,
            metavar="PORT",
            help="With --every: serve /healthz and Prometheus /metrics on this port.",
        ),
        click.option(
            "--metrics-host",
            expose_value=False,
            callback=_keep,
            metavar="ADDRESS",
            help="Address of the metrics endpoint [default: 127.0.0.1].",
        ),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function
