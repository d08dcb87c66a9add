"""Rules across records: duplicates, nested groups and unknown members.

These can only be decided once every record has been seen, so `check` streams the per-record
findings and asks this tracker for the cross-record ones at the end. Memory grows with the
number of distinct keys, not with the size of the input: for a user we keep its userName (as a
dict key), and the email and externalId dicts point at that same string object instead of
holding a record description of their own. Where a record is, is packed into one int.

Most users' primary email is their userName: such an email is kept in the userName dict alone,
its value flagged (`~packed`, negative), instead of once more in the email dict (an insert into
a dict of a million keys per user, the largest cost of a clean export after the screen).
`_email_holder` and `_decoded` read both; an email is never in both.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from scimguard.profile.attribute_findings import nested_group_finding
from scimguard.profile.booleans import as_bool
from scimguard.profile.catalogue import E, W
from scimguard.profile.findings import Finding
from scimguard.profile.lookalikes import Field, LookAlikes, confusable_finding, look_alike
from scimguard.profile.record_refs import Located, RecordRef

try:  # the compiled loop of add_screened, when the extension was built (profile/screen.py)
    from scimguard.profile._screen import feed as _feed
except ImportError:  # pragma: no cover - no C compiler at install time
    _feed = None  # type: ignore[assignment]  # the stub types the name; None: not built

if TYPE_CHECKING:
    from scimguard.records.model import ScreenedUsers

_RECORD_BITS = 40
_LINE_BITS = 40
_RECORD_MASK = (1 << _RECORD_BITS) - 1


def _decoded(packed: int) -> int:
    """A value of the userName dict as the packed position (the flag of an email kept there
    implicitly removed)."""
    return packed if packed >= 0 else ~packed


def primary_email(user: dict[str, Any]) -> str | None:
    """The email AWS treats as the user's: the one marked primary, else the only one."""
    emails = user.get("emails")
    if not isinstance(emails, list) or not emails:
        return None
    chosen = next(
        (e for e in emails if isinstance(e, dict) and as_bool(e.get("primary")) is True),
        emails[0],
    )
    value = chosen.get("value") if isinstance(chosen, dict) else None
    return value if isinstance(value, str) and value else None


class DuplicateTracker:
    """Collects keys while records stream past; `finish()` yields the cross-record findings."""

    def __init__(self) -> None:
        self._files: list[str] = []
        self._file_index: dict[str, int] = {}
        self._odd_case: dict[int, str] = {}  # record -> userName, when not already lower-case
        self._by_username: dict[str, int] = {}  # ~packed: its email is the same key
        self._by_email: dict[str, str | int] = {}  # the emails not kept implicitly
        self._implicit = 0  # emails kept in _by_username (flagged), not in _by_email
        self._by_user_external_id: dict[str, str | int] = {}
        self._user_ids: set[str] = set()
        self._clashes: dict[tuple[str, str], list[int]] = {}
        self._clash_names: dict[int, str] = {}  # record -> userName key, for records in clashes
        self._groups: list[RecordRef] = []
        self._group_by_name: dict[str, list[int]] = {}
        self._group_by_external_id: dict[str, list[int]] = {}
        self._group_ids: dict[str, int] = {}
        self._members: list[tuple[int, int, str]] = []  # (group index, member index, value)
        self._look_alikes = LookAlikes()  # confusable-duplicate (profile/lookalikes.py)

    # --- packing --------------------------------------------------------------------------

    def _pack(self, ref: Located) -> int:
        """`ref` is anything with `record`, `file` and `line` (a RecordRef, a records.Record)."""
        index = self._file_index.get(ref.file)
        if index is None:
            index = self._file_index[ref.file] = len(self._files)
            self._files.append(ref.file)
        return (index << (_RECORD_BITS + _LINE_BITS)) | (ref.line << _RECORD_BITS) | ref.record

    def _unpack(self, packed: int, usernames: dict[int, str]) -> RecordRef:
        record = packed & _RECORD_MASK
        line = (packed >> _RECORD_BITS) & ((1 << _LINE_BITS) - 1)
        file = self._files[packed >> (_RECORD_BITS + _LINE_BITS)]
        return RecordRef(record, file, line, "user", usernames.get(record))

    # --- feeding --------------------------------------------------------------------------

    def add_user(self, ref: Located, user: dict[str, Any]) -> None:
        """Remember a user's keys (`ref`: anything with `record`, `file` and `line`)."""
        username = user.get("userName")
        emails = user.get("emails")
        if type(emails) is list and len(emails) == 1 and type(emails[0]) is dict:
            email = emails[0].get("value")  # the common case of primary_email, inlined
            if type(email) is not str:
                email = None
        else:
            email = primary_email(user)
        user_id = user.get("id")
        self.add_user_keys(
            ref,
            username if type(username) is str else None,
            email,
            user.get("externalId"),
            user_id if type(user_id) is str else None,
        )

    def add_user_keys(
        self,
        ref: Located,
        username: str | None,
        email: str | None,
        external_id: Any,
        user_id: str | None,
    ) -> None:
        """The same from keys already taken out of the user (by a worker process, say)."""
        packed = self._pack(ref)
        pointer: str | int = packed
        if username:
            key = username.lower()
            if key != username:
                self._odd_case[ref.record] = username
            if look_alike(key):
                self._look_alikes.remember("userName", packed, username, key)
            first = self._by_username.get(key)
            if first is None:
                self._by_username[key] = packed
                pointer = key
            else:
                self._clash("duplicate-username", key, first, packed)
                pointer = packed
        if email:
            key = email.lower()
            if look_alike(key):
                self._look_alikes.remember("email", packed, email, key)
            if type(pointer) is str and key == pointer:
                key = pointer  # share the string object with the userName dict
            first_ref = self._email_holder(key)
            if first_ref is None:
                self._by_email[key] = pointer
            elif first_ref is not pointer:
                self._clash("duplicate-email", key, first_ref, pointer)
        if type(external_id) is str and external_id:
            first_ref = self._by_user_external_id.setdefault(external_id, pointer)
            if first_ref is not pointer:
                self._clash("duplicate-external-id", external_id, first_ref, pointer)
        if user_id is not None:
            self._user_ids.add(user_id)

    def _email_holder(self, email: str) -> str | int | None:
        """The pointer of the first user with this primary email (what `_by_email` held
        before emails were kept implicitly), None if there is none yet."""
        found = self._by_email.get(email)
        if found is None and self._implicit:
            packed = self._by_username.get(email)
            if packed is not None and packed < 0:
                return email  # a userName key equal to its holder's email
        return found

    def add_users_bulk(
        self,
        file: str,
        records: list[int],
        lines: list[int],
        usernames: list[str | None],
        emails: list[str | None],
        external_ids: list[Any],
        user_ids: list[str | None],
    ) -> None:
        """`add_user_keys` for many users of one file at once (columns of equal length)."""
        index = self._file_index.get(file)
        if index is None:
            index = self._file_index[file] = len(self._files)
            self._files.append(file)
        base = index << (_RECORD_BITS + _LINE_BITS)
        by_username = self._by_username
        by_email = self._by_email
        by_external_id = self._by_user_external_id
        odd_case = self._odd_case
        clash = self._clash
        for record, line, username, email, external_id, user_id in zip(
            records, lines, usernames, emails, external_ids, user_ids, strict=True
        ):
            packed = base | (line << _RECORD_BITS) | record
            pointer: str | int = packed
            if username:
                key = username.lower()
                if key != username:
                    odd_case[record] = username
                if look_alike(key):
                    self._look_alikes.remember("userName", packed, username, key)
                first = by_username.get(key)
                if first is None:
                    by_username[key] = packed
                    pointer = key
                else:
                    clash("duplicate-username", key, first, packed)
            if email:
                key = email.lower()
                if look_alike(key):
                    self._look_alikes.remember("email", packed, email, key)
                if type(pointer) is str and key == pointer:
                    key = pointer
                first_ref = self._email_holder(key)
                if first_ref is None:
                    by_email[key] = pointer
                elif first_ref is not pointer:
                    clash("duplicate-email", key, first_ref, pointer)
            if type(external_id) is str and external_id:
                first_ref = by_external_id.setdefault(external_id, pointer)
                if first_ref is not pointer:
                    clash("duplicate-external-id", external_id, first_ref, pointer)
            if user_id is not None:
                self._user_ids.add(user_id)

    def add_screened(self, run: ScreenedUsers) -> None:
        """A run of users the screen passed (profile/screen.py): keys already lowered.

        The hot loop of `check` on a clean export; `key is not username` says the userName
        was not lower-case, and an email equal to the key is that same string object.
        """
        index = self._file_index.get(run.file)
        if index is None:
            index = self._file_index[run.file] = len(self._files)
            self._files.append(run.file)
        base = index << (_RECORD_BITS + _LINE_BITS)
        if run.lines is None:  # one user a line: the next line and the next record
            packed: int | list[int] = base | (run.first_line << _RECORD_BITS) | run.first_record
            step = (1 << _RECORD_BITS) + 1
        else:  # the elements of a JSON array: a line each, given
            record, shift = run.first_record, _RECORD_BITS
            packed = [base | (line << shift) | (record + i) for i, line in enumerate(run.lines)]
            step = 0
        self._screened_look_alike(run, packed, step)
        by_username = self._by_username
        by_email = self._by_email
        by_external_id = self._by_user_external_id
        odd_case = self._odd_case
        user_ids = self._user_ids
        clash = self._clash
        if _feed is not None:  # the same loop, compiled (profile/_screen.c)
            clashes, implicit = _feed(
                by_username, by_email, by_external_id, odd_case, user_ids, packed, step,
                _RECORD_MASK, run.usernames, run.keys, run.emails, run.external_ids, run.ids,
                self._implicit,
            )  # fmt: skip
            self._implicit += implicit
            for rule, key, first, later in clashes:
                clash(rule, key, first, later)
            return
        positions = iter(packed) if isinstance(packed, list) else None
        at = packed if isinstance(packed, int) else 0  # this user's packed position
        for username, key, email, external_id, user_id in zip(
            run.usernames, run.keys, run.emails, run.external_ids, run.ids, strict=True
        ):
            if positions is not None:
                at = next(positions)
            if key is not username:
                odd_case[at & _RECORD_MASK] = username
            first = by_username.setdefault(key, at)
            if first is at:
                pointer: str | int = key
            else:
                clash("duplicate-username", key, first, at)
                pointer = at
            if email is not None:
                if email is pointer and email not in by_email:  # kept implicitly
                    by_username[email] = ~at
                    self._implicit += 1
                else:
                    first_ref = self._email_holder(email)
                    if first_ref is None:
                        by_email[email] = pointer
                    elif first_ref is not pointer:
                        clash("duplicate-email", email, first_ref, pointer)
            if external_id is not None:
                first_ref = by_external_id.setdefault(external_id, pointer)
                if first_ref is not pointer:
                    clash("duplicate-external-id", external_id, first_ref, pointer)
            if user_id is not None:
                user_ids.add(user_id)
            if positions is None:
                at += step

    def _screened_look_alike(self, run: ScreenedUsers, packed: int | list[int], step: int) -> None:
        """The look-alike values of a screened run: one regex over the joined column first,
        so a run of plain values costs a join and a search, not a call per value."""
        columns: tuple[tuple[Field, Sequence[str | None], list[str]], ...] = (
            ("userName", run.keys, run.keys),
            ("email", run.emails, [e for e in run.emails if e is not None]),
        )
        for field, column, values in columns:
            if not look_alike("\n".join(values)):
                continue
            for i, key in enumerate(column):
                if key is not None and look_alike(key):
                    where = packed[i] if isinstance(packed, list) else packed + i * step
                    given = run.usernames[i] if field == "userName" else key
                    self._look_alikes.remember(field, where, given, key)

    def _clash(self, rule: str, key: str, first: str | int, later: str | int) -> None:
        refs = self._clashes.setdefault((rule, key), [])
        if not refs:
            refs.append(self._as_packed(first))
        refs.append(self._as_packed(later))

    def _as_packed(self, value: str | int) -> int:
        if isinstance(value, str):  # the userName key of the first user to hold it
            packed = _decoded(self._by_username[value])
            self._clash_names[packed & _RECORD_MASK] = value
            return packed
        return _decoded(value)

    def add_group(self, ref: RecordRef, group: dict[str, Any]) -> None:
        index = len(self._groups)
        self._groups.append(ref)
        name = group.get("displayName")
        if isinstance(name, str) and name:
            self._group_by_name.setdefault(name.lower(), []).append(index)
            self._look_alikes.remember("group", index, name, name.lower())
        external_id = group.get("externalId")
        if isinstance(external_id, str) and external_id:
            self._group_by_external_id.setdefault(external_id, []).append(index)
            self._group_ids.setdefault(external_id, index)
        group_id = group.get("id")
        if isinstance(group_id, str):
            self._group_ids.setdefault(group_id, index)
        members = group.get("members")
        if isinstance(members, list):
            for member_index, member in enumerate(members):
                if not isinstance(member, dict):
                    continue
                value = member.get("value")
                is_group = isinstance(member.get("type"), str) and member["type"].lower() == "group"
                if isinstance(value, str) and value and not is_group:
                    self._members.append((index, member_index, value))

    # --- results --------------------------------------------------------------------------

    def finish(self) -> Iterator[tuple[RecordRef, Finding]]:
        """Every cross-record finding, each with the record it belongs to."""
        yield from self._confusables()
        usernames = self._usernames_of_clashes()
        for (rule, key), packed_refs in self._clashes.items():
            refs = [self._unpack(p, usernames) for p in packed_refs]
            yield from _report_group(rule, key, refs)
        for indices in self._group_by_name.values():
            if len(indices) > 1:
                refs = [self._groups[i] for i in indices]
                yield from _report_group("duplicate-group-name", refs[0].key or "", refs)
        for external_id, indices in self._group_by_external_id.items():
            if len(indices) > 1:
                refs = [self._groups[i] for i in indices]
                yield from _report_group("duplicate-external-id", external_id, refs)
        for group_index, member_index, value in self._members:
            ref = self._groups[group_index]
            path = f"members[{member_index}]"
            if value in self._group_ids:
                yield ref, nested_group_finding(path, value)
            elif not self._is_user(value):
                yield (
                    ref,
                    Finding(
                        "unknown-member",
                        W,
                        f"{path}.value",
                        value,
                        f"The member {value!r} matches no user in this input (by id, userName or "
                        "externalId). The target may still hold it.",
                        "Make sure the user is provisioned before the group, or remove the member.",
                    ),
                )

    def _confusables(self) -> Iterator[tuple[RecordRef, Finding]]:
        """confusable-duplicate, on every record involved, each naming the others."""
        for field, where, value, others in self._look_alikes.related(self._plain_holder):
            refs = [(self._ref_of(field, o, v), v, how) for o, (v, how) in others.items()]
            refs.sort(key=lambda item: item[0].record)
            yield self._ref_of(field, where, value), confusable_finding(field, value, refs)

    def _plain_holder(self, field: str, key: str) -> tuple[int, str] | None:
        """(where, value) of a plain value whose lowered AWS key is `key`, if any."""
        if field == "group":
            indices = self._group_by_name.get(key)
            return None if not indices else (indices[0], self._groups[indices[0]].key or key)
        if field == "userName":
            packed = self._by_username.get(key)
            if packed is None:
                return None
            packed = _decoded(packed)
            return packed, self._odd_case.get(packed & _RECORD_MASK, key)
        pointer = self._email_holder(key)
        if pointer is None:
            return None
        return (_decoded(self._by_username[pointer]) if isinstance(pointer, str) else pointer), key

    def _ref_of(self, field: str, where: int, value: str) -> RecordRef:
        if field == "group":
            return self._groups[where]
        record = where & _RECORD_MASK
        username = value if field == "userName" else self._odd_case.get(record)
        return self._unpack(where, {record: username} if username else {})

    def _usernames_of_clashes(self) -> dict[int, str]:
        """userName as given, for every record involved in a clash.

        A record in a clash either held its userName first (its key was the clash's pointer,
        kept by `_as_packed`) or clashed on its userName (the key of that clash); a record
        in neither had no userName.
        """
        odd_case = self._odd_case
        found = {record: odd_case.get(record, key) for record, key in self._clash_names.items()}
        for (rule, key), refs in self._clashes.items():
            if rule == "duplicate-username":
                for packed in refs:
                    record = packed & _RECORD_MASK
                    found.setdefault(record, odd_case.get(record, key))
        return found

    def _is_user(self, value: str) -> bool:
        return (
            value in self._user_ids
            or value.lower() in self._by_username
            or value in self._by_user_external_id
        )


_DUPLICATE_TEXT = {
    "duplicate-username": ("userName", "the username {key!r}", "Make the usernames unique."),
    "duplicate-email": (
        "emails[0].value",
        "the primary email {key!r}",
        "Give each user their own email address.",
    ),
    "duplicate-external-id": (
        "externalId",
        "the externalId {key!r}",
        "Map externalId to an id that is unique per record.",
    ),
    "duplicate-group-name": (
        "displayName",
        "the group name {key!r}",
        "Rename one of the groups; AWS group names are unique regardless of case.",
    ),
}


def _report_group(
    rule: str, key: str, refs: list[RecordRef]
) -> Iterator[tuple[RecordRef, Finding]]:
    attribute, what, fix = _DUPLICATE_TEXT[rule]
    by_key = rule in ("duplicate-username", "duplicate-group-name")
    for ref in refs:
        others = [r for r in refs if r.record != ref.record]
        names = "; ".join(r.describe() for r in others)
        value = ref.key if by_key and ref.key is not None else key  # as given, not folded
        said = what.format(key=value)
        yield (
            ref,
            Finding(
                rule,
                E,
                attribute,
                value,
                f"{said[:1].upper()}{said[1:]} is also used by {names}. AWS refuses the "
                "second one with 409 (duplicate resource).",
                fix,
                related=tuple(r.record for r in others),
            ),
        )
