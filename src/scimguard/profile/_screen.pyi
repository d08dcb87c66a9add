"""Types of the compiled screen (_screen.c): mypy cannot read a C extension."""

from collections.abc import Callable
from typing import Any, final

# The names the screen knows and its length limits (tests/profile/test_screen.py).
KNOWN: dict[str, Any]

@final  # a C type without Py_TPFLAGS_BASETYPE
class Screener:
    def __init__(
        self,
        safe_char: Callable[[str], int],
        is_nfc: Callable[[str], bool],
        reserved: frozenset[str],
        group_urn: bytes,
        complete_address: bool,
        pass_warned: bool = False,
    ) -> None: ...
    # profile.screen.Screened's fields
    def screen(
        self, lines: list[bytes], /
    ) -> tuple[
        list[int],
        list[str],
        list[str],
        list[str | None],
        list[str | None],
        list[str | None],
        list[tuple[int, tuple[tuple[str, str], ...]]],
    ]: ...
    # profile.screen.ScreenedBlock's fields
    def screen_block(
        self, block: bytes, /
    ) -> tuple[
        int,
        list[int],
        list[int],
        list[int],
        list[str],
        list[str],
        list[str | None],
        list[str | None],
        list[str | None],
        list[tuple[int, tuple[tuple[str, str], ...]]],
    ]: ...
    def plain_value(self, value: object, identifier: object, /) -> bool: ...

def feed(
    by_username: dict[str, int],
    by_email: dict[str, str | int],
    by_external_id: dict[str, str | int],
    odd_case: dict[int, str],
    user_ids: set[str],
    packed: int | list[int],
    step: int,
    mask: int,
    usernames: list[str],
    keys: list[str],
    emails: list[str | None],
    external_ids: list[str | None],
    ids: list[str | None],
    implicit: int,
    /,
) -> tuple[list[tuple[str, str, str | int, str | int]], int]: ...
