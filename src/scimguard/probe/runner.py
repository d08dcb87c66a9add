"""Sending the probes to a tenant, and removing everything they created, whatever happens.

One request at a time, paced by the SCIM client's rate limiter under the quotas given (AWS's
by default) and retried on 429/5xx like every request of the engine. A 401 or 403 stops the
run at once (`TargetUnauthorized`): nothing else would succeed. Cleanup runs in `finally`, and
what it could not remove stays in the journal for `probe --cleanup`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scimguard.probe.catalogue import Probe
from scimguard.probe.journal import Journal
from scimguard.probe.verdict import Evidence, Outcome, predict
from scimguard.profile import Switches
from scimguard.sync.client import Reply, ScimClient, TargetUnauthorized
from scimguard.sync.ops import USERS


@dataclass
class ProbeRun:
    outcomes: list[Outcome] = field(default_factory=list)
    stopped: str | None = None  # the 401/403 that stopped the run
    left_behind: list[str] = field(default_factory=list)  # userNames cleanup could not remove


def _evidence(reply: Reply) -> Evidence:
    return Evidence(reply.method, reply.path, reply.body, reply.status, reply.data)


def _stop_message(exc: TargetUnauthorized) -> str:
    reply = exc.reply
    return f"the target answered {reply.status} to {reply.method} {reply.path}: check the token"


async def run_probes(
    client: ScimClient,
    journal: Journal,
    probes: list[Probe],
    switches: Switches,
    progress: Callable[[str], None] = lambda line: None,
) -> ProbeRun:
    run = ProbeRun()
    try:
        for number, probe in enumerate(probes, 1):
            progress(f"probe {number}/{len(probes)}: {probe.id}")
            outcome = Outcome(probe, predict(probe, switches))
            run.outcomes.append(outcome)
            for index, body in enumerate(probe.bodies, 1):
                journal.intend(body["userName"])
                reply = await client.create(USERS, body)
                outcome.evidence.append(_evidence(reply))
                if reply.ok and isinstance(reply.data, dict) and reply.data.get("id"):
                    journal.created(body["userName"], str(reply.data["id"]))
                elif index < len(probe.bodies):
                    outcome.inconclusive = (
                        f"the setting-up record {body['userName']!r} was answered {reply.status}"
                    )
                    break
    except TargetUnauthorized as exc:
        run.stopped = _stop_message(exc)
    finally:
        run.left_behind = await clean_up(client, journal)
    return run


async def clean_up(client: ScimClient, journal: Journal) -> list[str]:
    """Delete every journalled user; the userNames that could not be removed."""
    left: list[str] = []
    for user_name, user_id in list(journal.users.items()):
        try:
            if user_id is None:
                found = await client.find_one(USERS, "userName", user_name)
                resources = found.data.get("Resources") if isinstance(found.data, dict) else None
                if not found.ok or not isinstance(resources, list):
                    left.append(user_name)
                    continue
                ids = [r.get("id") for r in resources if isinstance(r, dict)]
                if not ids:  # never created: nothing to remove
                    journal.gone(user_name)
                    continue
                user_id = str(ids[0])
            reply = await client.delete(USERS, user_id)
        except TargetUnauthorized:
            left.extend(name for name in journal.users if name not in left)
            break
        if reply.ok or reply.status == 404:
            journal.gone(user_name)
        else:
            left.append(user_name)
    return left


def answer_text(outcome: Outcome) -> str:
    """The tenant's answer in one phrase: 'refused (400)', 'accepted (201)', 'no answer'."""
    if outcome.inconclusive:
        return f"inconclusive: {outcome.inconclusive}"
    if outcome.refused is None:
        last = outcome.evidence[-1].status if outcome.evidence else None
        return f"no usable answer ({last})"
    status = outcome.evidence[-1].status
    return f"{'refused' if outcome.refused else 'accepted'} ({status})"


def detail_of(answer: Any) -> str:
    """The `detail` of a SCIM error body (the rule, with `serve --detail specific`)."""
    return str(answer.get("detail", "")) if isinstance(answer, dict) else ""
