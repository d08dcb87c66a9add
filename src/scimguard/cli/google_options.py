"""The Google Workspace options of `sync` and `check`, and the source spec they make.

The options are `expose_value=False` (as unattended/options.py does): each files its value in
`ctx.meta`, and `google_specs(ctx, mapping)` builds the spec, so `sync_command` and
`check_command` keep their signatures. As options of `sync`, they are keys of its `--config`
file too (`google-customer = "my_customer"`).

The service account's key is never an option: its path is read from the environment variable
named by `--google-key-env` (GOOGLE_APPLICATION_CREDENTIALS by default) when the source is read.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])
_META = "scimguard.google"
KEY_ENV = "GOOGLE_APPLICATION_CREDENTIALS"  # sources/google_auth.py's default, not imported:
# importing google-auth would slow down every command's start for an option's help text.
API = "https://admin.googleapis.com"


def _keep(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value is not None:
        ctx.meta.setdefault(_META, {})[str(param.name)] = value
    return value


def google_options(function: F) -> F:
    options: list[tuple[str, str, str]] = [  # (option, metavar, help)
        (
            "--google-customer",
            "ID",
            "Read users and groups from this Google Workspace customer (its customer ID, or "
            "my_customer: the subject's own). Key: $GOOGLE_APPLICATION_CREDENTIALS.",
        ),
        (
            "--google-subject",
            "EMAIL",
            "The Google admin the service account acts as (domain-wide delegation).",
        ),
        (
            "--google-user-query",
            "QUERY",
            "Only the users this Directory API search matches, e.g. "
            "'orgUnitPath=/Engineering isSuspended=false'.",
        ),
        (
            "--google-group-query",
            "QUERY",
            "Only the groups this search matches, e.g. 'email:aws-*', and their members.",
        ),
        (
            "--google-key-env",
            "VAR",
            f"Environment variable holding the path of the service account's JSON key "
            f"[default: {KEY_ENV}].",
        ),
        (
            "--google-api",
            "URL",
            f"The Admin SDK's base URL (a proxy, a test double) [default: {API}].",
        ),
    ]
    for name, metavar, text in reversed(options):
        function = click.option(
            name, metavar=metavar, help=text, expose_value=False, callback=_keep
        )(function)
    return function


def google_specs(ctx: click.Context, mapping: str | None) -> list[dict[str, Any]]:
    """The Google source spec the options ask for (none without --google-customer)."""
    values = ctx.meta.get(_META, {})
    customer = values.get("google_customer")
    if not customer:
        given = sorted(f"--{k.replace('_', '-')}" for k in values)
        if given:
            raise click.UsageError(f"{', '.join(given)} need --google-customer ID")
        return []
    subject = values.get("google_subject")
    if not subject:
        raise click.UsageError(
            "--google-customer needs --google-subject EMAIL: the admin the service account "
            "acts as (domain-wide delegation)"
        )
    key_env = values.get("google_key_env") or KEY_ENV
    if not os.environ.get(key_env, "").strip():
        raise click.UsageError(
            f"--google-customer needs the path of the service account's JSON key in {key_env} "
            "(never on the command line)"
        )
    spec: dict[str, Any] = {"type": "google", "customer": customer, "subject": subject}
    for option, key in (("google_user_query", "user_query"), ("google_group_query", "group_query")):
        if values.get(option):
            spec[key] = values[option]
    if key_env != KEY_ENV:
        spec["key_env"] = key_env
    if values.get("google_api"):
        spec["api"] = values["google_api"].rstrip("/")
    if mapping:
        spec["mapping"] = str(Path(mapping).resolve())
    return [spec]
