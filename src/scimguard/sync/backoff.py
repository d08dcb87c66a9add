"""One retry policy for every HTTP reader of the engine: the SCIM client and the Okta reader.

An answer is transient when there was none (timeout, connection error), or it is a 429 or a
5xx: it is tried again, up to `max_attempts` in all, after an exponential backoff with full
jitter (the n-th retry waits uniform(0, min(cap, base * 2**n))). A delay the server gave
(`Retry-After` from SCIM, `X-Rate-Limit-Reset` from Okta) wins, capped at `max_retry_after`,
plus a tenth of the jitter so that waiting clients do not come back together. Anything else,
401/403 included, is final: the caller decides what it means (raise, or return it as data).

Built on tenacity (9.2.1, October 2026), not stamina (26.1.0, April 2026), though both are
maintained (tenacity: Apache-2.0, no dependency; stamina: MIT, an opinionated wrapper over
tenacity, so it would add a package, not remove one) and both run sync and async callables:
- Our retries are decided on *answers*, not exceptions: a 429 or 503 is a reply that the SCIM
  client returns as data once the attempts are spent (`Reply`, filed as a task). tenacity
  retries on results (`retry_if_result`) and hands back the last one (`retry_error_callback`);
  stamina retries on exceptions only, so every answer would be raised and caught again.
- Full jitter: tenacity's `wait_random_exponential` is exactly uniform(0, min(cap, base*2**n));
  stamina adds a bounded jitter to a deterministic exponential, a different spread.
- A server-given delay: neither reads `Retry-After` by itself. tenacity takes any callable as
  `wait`, which reads the last answer's header; stamina can since 25.2 (an `on` hook returning
  a float), again from an exception.
- The counts and the log line of each retry (`retries`, `retried_<status>`, the `retry` /
  `throttled` events) hang on tenacity's `before_sleep`; stamina's instrumentation hooks are
  global (`set_on_retry_hooks`), not per client.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol, TypeVar

import tenacity
from tenacity import RetryCallState


class Answer(Protocol):
    """What one attempt came to: an HTTP status, or None when nothing answered."""

    @property
    def status(self) -> int | None: ...


A = TypeVar("A", bound=Answer)
ServerDelay = Callable[[A], "float | None"]  # seconds the server asked to wait, if it did
OnRetry = Callable[[A, int], None]  # (the answer retried, the number of the next attempt)


def transient(answer: Answer) -> bool:
    """No answer, 429 or 5xx: worth another attempt. 401/403 and other 4xx are final."""
    status = answer.status
    return status is None or status == 429 or status >= 500


# What the RetryCallState of `RetryPolicy.delay` belongs to: the wait reads only its attempt.
_NO_RETRYING = tenacity.Retrying()


@dataclass
class RetryPolicy:
    """How often and how long to retry; one object is shared by the SCIM client and Okta."""

    max_attempts: int = 6
    base: float = 0.25  # seconds; the n-th retry waits uniform(0, min(cap, base * 2**n))
    cap: float = 10.0
    max_retry_after: float = 60.0

    def delay(self, attempt: int, server_delay: float | None) -> float:
        """The wait after the failed attempt number `attempt` (0-based)."""
        state = RetryCallState(_NO_RETRYING, None, (), {})
        state.attempt_number = attempt + 1
        jitter = tenacity.wait_random_exponential(multiplier=self.base, max=self.cap)(state)
        if server_delay is not None:
            return min(self.max_retry_after, max(0.0, server_delay)) + jitter * 0.1
        return jitter

    def _settings(
        self,
        server_delay: ServerDelay[A] | None,
        on_retry: OnRetry[A] | None,
        should_retry: Callable[[A], bool] = transient,
    ) -> dict[str, object]:
        def wait(state: RetryCallState) -> float:
            answer = state.outcome.result() if state.outcome else None
            given = server_delay(answer) if server_delay and answer is not None else None
            return self.delay(state.attempt_number - 1, given)

        def before_sleep(state: RetryCallState) -> None:
            if on_retry is not None and state.outcome is not None:
                on_retry(state.outcome.result(), state.attempt_number + 1)

        return {
            "stop": tenacity.stop_after_attempt(max(1, self.max_attempts)),
            "retry": tenacity.retry_if_result(should_retry),
            "wait": wait,
            "before_sleep": before_sleep,
            # Attempts spent: the last answer is the result (exceptions are never retried and
            # propagate at once: a 401/403 raised by the attempt, a cancellation).
            "retry_error_callback": lambda state: state.outcome.result(),
        }

    def call(
        self,
        attempt: Callable[[], A],
        *,
        server_delay: ServerDelay[A] | None = None,
        on_retry: OnRetry[A] | None = None,
        should_retry: Callable[[A], bool] = transient,
    ) -> A:
        """`attempt()` until its answer is final or the attempts are spent (blocking sleeps).

        `should_retry`: which answers are transient (`transient` unless an API says more, as
        Google's 403 `rateLimitExceeded` does).
        """
        answer = attempt()
        if self.max_attempts <= 1 or not should_retry(answer):
            return answer  # as in `acall`: no retry machinery for a final first answer
        first = [answer]

        def again() -> A:
            return first.pop() if first else attempt()

        return tenacity.Retrying(**self._settings(server_delay, on_retry, should_retry))(again)  # type: ignore[arg-type]

    async def acall(
        self,
        attempt: Callable[[], Awaitable[A]],
        *,
        server_delay: ServerDelay[A] | None = None,
        on_retry: OnRetry[A] | None = None,
    ) -> A:
        """The same for a coroutine function (asyncio sleeps)."""
        answer = await attempt()
        if self.max_attempts <= 1 or not transient(answer):
            return answer  # most calls: tenacity's machinery costs 35 us a call, unused
        first = [answer]

        async def again() -> A:  # tenacity starts from the answer already in hand
            return first.pop() if first else await attempt()

        settings = self._settings(server_delay, on_retry)
        # ignored: the settings are one dict[str, object]; their types differ by name
        retrying = tenacity.AsyncRetrying(**settings)  # type: ignore[arg-type]
        return await retrying(again)


def count_retry(counts: MutableMapping[str, int], answer: Answer) -> str:
    """Count one retry (`retries`, `retried_<status>` or `retried_no_answer`); its reason."""
    why = str(answer.status or "no_answer")
    counts["retries"] = counts.get("retries", 0) + 1
    counts[f"retried_{why}"] = counts.get(f"retried_{why}", 0) + 1
    return why


def retry_after(value: str | None) -> float | None:
    """Seconds from an HTTP `Retry-After` (delta-seconds or an HTTP-date), None if unusable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP-date is GMT; a sloppy one without a zone is taken so
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


__all__ = ["Answer", "RetryPolicy", "count_retry", "retry_after", "transient"]
