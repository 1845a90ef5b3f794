"""The member-roster import (成员名册 / 股东名册), for ``manage.py import_members`` and the admin.

``members_import`` reads and checks the whole file as ``households_import`` does
(``cases.importing.read_and_check`` with ``cases.member_roster.parse_members``), then checks
it against the database, and writes only if every row is valid, in ONE transaction.

A row's household (village, cooperative, household number) must exist: households come from
the household roster. Within it, the row is matched to a recorded member (the upsert key):

- with an ID number, the member with that ID number; failing that, the one member of that
  name recorded without an ID number (whose ID number the row then fills in); else it is a
  new member;
- without an ID number, the one member of that name; else it is a new member. Two members of
  that name recorded: an error (the row needs the ID number).

A blank cell or a missing column keeps the recorded value; a new member takes the model's
defaults for it (collective member, not a shareholder, 0 shares, relation "other"). Members
the file does not list are kept; the report counts their households. The households' own
member and shareholder counts (人口, 股东数, the household roster's figures) are not touched.

Refused against the database, with the row's line: a household not found; a head (户主) who
is not the one recorded for the household (compared after ``normalize_name``, as the rows'
names are: full-width characters and spaces do not count): the row names the wrong household,
or the household roster is out of date, and either way its members would land in the wrong
household (the other checks of that row are skipped, as they would be against the wrong
members); an ID number
recorded in another household (a person belongs to one household; one outside the user's
villages is not named); two rows that are the same recorded member; a second head of a
household once the file is applied; a shareholder set to "no" who keeps recorded shares (the
database allows shares to shareholders only); a birth date that is not the recorded ID
number's.

Queries: the cooperatives, then per 2,000 households (or ID numbers) one read of the
households, one of their members (locked until the end of the import, so that nobody changes
them between the check and the write) and one of the ID numbers recorded elsewhere. The
writes, as the household import's: on PostgreSQL, per 20,000 members, COPY into a temporary
table and one INSERT (or UPDATE) that writes their history rows in the same statement
(``cases.copy_writes``); elsewhere, per 2,000, simple-history's bulk helpers, one INSERT (or
UPDATE) for the members and one for their history.

Memory: a roster of 300,000 people is never held at once (held whole, its parsed rows took
488 MB, 561 MB on a re-import; docs/PERFORMANCE.md, "Eighth session"). Three passes, each
keeping only what the checks across rows need:

1. Reading (``parse_members`` with ``rows_to``): every cell is checked, and every row against
   the rows above it (``member_roster._FileChecks``, which keeps keys: ID numbers, names and
   household keys, not rows); each valid row goes to a temporary file (``_Rows``, pickled in
   blocks of ``SPOOL_BLOCK``), which notes the index of each household's last row.
2. Checking (``_Plan``): the rows come back in line order, a block at a time, are checked
   against the model's columns, and wait by household; once ``HOUSEHOLDS_CHECKED_AT_ONCE``
   households have all their rows back, they are checked against the database (their
   recorded members, the ID numbers recorded elsewhere) and let go. While the file has no
   error, what they do is spooled in turn (``_Plan.created``, ``_Plan.updated``).
3. Writing (``_write``): only when every row of the file passed both, the spooled writes are
   read back a batch at a time, inside the one transaction that read (and locked) the
   recorded members.

So what is held grows with the keys of the rows (an ID number and a name each) and with the
households, not with the rows themselves. A roster whose households are scattered over the
file (sorted by name or by relation, say, rather than household after household) would hold
the rows of every household not yet complete, at worst every row: its rows are first sorted
out, in line order, into partitions of whole households of about ``PARTITION_ROWS`` rows
each (``_Rows.by_household``, spooled as well), and the second pass reads one partition at a
time. The temporary
files are anonymous (no name, this process alone reads them) and gone when the import ends,
as the upload itself is once imported: they hold what the upload holds. Decision: spooled
rather than read twice, since reading 300,000 rows of CSV takes 9 to 11 s of the import's 30
to 60 (an XLSX's several times more), and pickling a row back and forth costs about 9 µs
(2.8 s for 300,000 rows, in blocks, on the loaded machine of docs/PERFORMANCE.md's eighth
session).
"""

import pickle
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _

from . import copy_writes
from .audit import bulk_history
from .importing import (
    BATCH_SIZE,
    ImportReport,
    Progress,
    RosterError,
    check_limits,
    column_limits,
    import_reason,
    read_and_check,
)
from .member_roster import MemberRow, id_number_birth_date, parse_members
from .models import Household, Member
from .roster import RowError, normalize_name

__all__ = ["members_import"]

#: MemberRow field → Member field, for the values a row may carry (all but the name).
ROW_FIELDS = {
    "name": "name",
    "relation": "relation",
    "id_number": "id_number",
    "birth_date": "birth_date",
    "phone": "phone",
    "is_collective_member": "is_collective_member",
    "is_shareholder": "is_shareholder",
    "shares": "shares",
    "is_villager_representative": "is_villager_representative",
    "is_member_representative": "is_member_representative",
}

_NO_HOUSEHOLD = _(
    "Household %(number)s of %(village)s %(cooperative)s not found: import the household roster "
    "first."
)
_WRONG_HEAD = _(
    "Household %(number)s of %(village)s %(cooperative)s has the head %(recorded)s, but this "
    "row names %(head)s: check the household number, or, if the head has changed, import the "
    "household roster first."
)
_IN_OTHER_HOUSEHOLD = _(
    "This ID number is recorded for %(name)s of household %(number)s (%(village)s "
    "%(cooperative)s): a person belongs to one household. Move the person in the admin if they "
    "have changed household."
)
_IN_HIDDEN_HOUSEHOLD = _(
    "This ID number is recorded for a member of a household outside your villages: a person "
    "belongs to one household."
)
_NAMESAKES = _(
    "Household %(number)s has %(count)d members named %(name)s; add the ID number to say which "
    "one this is."
)
_SAME_MEMBER = _("This row and line %(first)d are the same member, %(name)s.")
_SECOND_HEAD = _(
    "Household %(number)s already has a head, %(head)s: a household has one head. Change "
    "%(head)s's relation to the head in this file or in the admin."
)
_KEEPS_SHARES = _(
    "%(name)s holds %(shares)s shares in the records: to make them not a shareholder, write 0 "
    "under %(column)s as well."
)
_NOT_RECORDED_BIRTH = _(
    "The birth date %(value)s is not the one in %(name)s's recorded ID number (its digits "
    "7–14); correct one of them."
)
_CONFLICT = _(
    "Someone changed these households or members while the import was running; nothing was "
    "written. Run the import again."
)


#: How many households' recorded members are held (and their rows checked) at once.
HOUSEHOLDS_CHECKED_AT_ONCE = BATCH_SIZE


def members_import(
    *,
    data: bytes,
    filename: str,
    user=None,
    encoding: str | None = None,
    fill_down: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    batch_size: int | None = None,
) -> ImportReport:
    """Validate a member roster and, when every row is valid and not ``dry_run``, upsert it.

    Raises ``RosterError`` for a problem with the whole file (one sentence). ``progress`` is
    called with (members written, members to write) after each batch.
    """
    limits = column_limits(Member, {c: c for c in ("name", "id_number", "phone", "shares")})
    rows = _Rows()
    plan = None
    batch_size = batch_size or (copy_writes.COPY_BATCH_SIZE if copy_writes.in_use() else BATCH_SIZE)
    try:
        report, _rows, known_ids, ambiguous = read_and_check(
            parse_members,
            limits,
            data=data,
            filename=filename,
            user=user,
            encoding=encoding,
            fill_down=fill_down,
            dry_run=dry_run,
            rows_to=rows.add,
        )
        with transaction.atomic():
            # The rows read well are checked against the database even when others were
            # not: the preview lists every error at once.
            plan = _Plan(rows, known_ids, user, report, ambiguous, limits, write=not dry_run)
            if report.errors or plan.errors:
                report.errors = sorted([*report.errors, *plan.errors], key=lambda e: e.line)
                return report
            report.created, report.updated = plan.created.count, plan.updated.count
            report.unchanged = rows.count - report.created - report.updated
            report.households_with_unlisted_members = plan.households_with_unlisted
            if not dry_run:
                _write(plan, user, import_reason(filename), batch_size, progress)
    except (IntegrityError, copy_writes.Conflict) as exc:  # a household deleted meanwhile
        raise RosterError(gettext(_CONFLICT)) from exc
    finally:
        rows.close()
        if plan is not None:
            plan.created.close()
            plan.updated.close()
    return report


def _chunks(values: Iterable, size: int = BATCH_SIZE) -> Iterator[list]:
    values = iter(values)
    while chunk := list(islice(values, size)):
        yield chunk


#: Values per block of a ``_Spool``.
SPOOL_BLOCK = 2000
#: Rows per partition of a scattered roster (``_Rows.by_household``): the most the second pass
#: holds of it at once, but for a household larger than that, which is a partition alone.
PARTITION_ROWS = 20_000


class _Spool:
    """Values (of builtin types, dates, decimals, model instances) written in order and read
    back in order, ``block`` (``SPOOL_BLOCK``) at a time, from an anonymous temporary file: it
    has no name, is readable by this process alone, and is gone when closed or when the
    process ends (the roster's ID and phone numbers are in it). Read it once all is written."""

    def __init__(self, block: int | None = None):
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self.buffer: list = []
        self.count = 0
        self.block = block or SPOOL_BLOCK

    def add(self, value) -> None:
        self.buffer.append(value)
        self.count += 1
        if len(self.buffer) >= self.block:
            self._flush()

    def _flush(self) -> None:
        if self.buffer:
            pickle.dump(self.buffer, self.file, pickle.HIGHEST_PROTOCOL)
            self.buffer = []

    def blocks(self) -> Iterator[list]:
        self._flush()
        self.file.seek(0)
        while True:
            try:
                yield pickle.load(self.file)
            except EOFError:
                return

    def __iter__(self) -> Iterator:
        return chain.from_iterable(self.blocks())

    def close(self) -> None:
        self.file.close()


class _Rows(_Spool):
    """The file's valid rows, spooled as the parser reads them; ``last``: for each household
    of the file (village, cooperative, number), in the order the file first names them, the
    index (from 0) of its last row, by which the second pass knows when it holds all of a
    household's rows; ``scattered``: whether a household's rows are not one after the other."""

    def __init__(self):
        super().__init__()
        self.last: dict[tuple[str, str, str], int] = {}
        self.counts: dict[tuple[str, str, str], int] = defaultdict(int)
        self.scattered = False

    def add(self, row: MemberRow) -> None:
        household = row.household
        if household in self.last and self.last[household] != self.count - 1:
            self.scattered = True
        self.last[household] = self.count
        self.counts[household] += 1
        super().add(tuple(row))  # a plain tuple pickles in C, a named tuple through Python

    def blocks(self) -> Iterator[list[MemberRow]]:
        make = MemberRow._make
        for block in super().blocks():
            yield list(map(make, block))

    def by_household(self, fit: Callable[[list[MemberRow]], list[MemberRow]]):
        """The rows for the second pass, as (rows, households whose rows have all come):
        a block at a time in line order; a scattered roster's partition by partition, each
        holding whole households (``PARTITION_ROWS``), their rows in line order. ``fit``
        filters each block in line order (the preview is the file's first rows), before the
        rows are sorted out."""
        if not self.scattered:
            index = 0
            for block in self.blocks():
                done = [
                    r.household for i, r in enumerate(block, index) if self.last[r.household] == i
                ]
                index += len(block)
                yield fit(block), done
            return
        partition_of, households, size = {}, [[]], 0
        for household, count in self.counts.items():  # in the order the file names them
            if size and size + count > PARTITION_ROWS:
                households.append([])
                size = 0
            partition_of[household] = len(households) - 1
            households[-1].append(household)
            size += count
        # The partitions fill side by side: together they hold at most PARTITION_ROWS rows in
        # memory before writing them out, however many they are.
        block = max(1, PARTITION_ROWS // len(households))
        partitions = [_Spool(block) for _ in households]
        try:
            for block in self.blocks():
                for row in fit(block):
                    partitions[partition_of[row.household]].add(tuple(row))
            for partition, done in zip(partitions, households, strict=True):
                yield list(map(MemberRow._make, partition)), done
        finally:
            for partition in partitions:
                partition.close()


@dataclass
class _Plan:
    """What the rows do to the database: members to create, members to update (with the
    names of the fields that change), and the errors that forbid both.

    The second pass: the rows come back from ``rows`` (the spool the parser filled) in line
    order, a block at a time; each block is checked against the model's columns
    (``check_limits``, which also fills the report's preview), each row goes to its
    household, and once every row of ``HOUSEHOLDS_CHECKED_AT_ONCE`` households has come back
    (``_Rows.last``) those households are checked against the database (``_check_households``)
    and let go. What they do to the database is spooled in turn (``created``, ``updated``),
    while no row of the file has an error and ``write``: the writes read it back."""

    rows: "_Rows"
    known_ids: dict[tuple[str, str], int]
    user: object
    report: ImportReport
    ambiguous: set[str]
    limits: list
    write: bool = True
    errors: list[RowError] = field(default_factory=list)
    # The new members' values (``Member`` field names, household_id included): the COPY
    # path writes 300,000 of them without making a model instance of each.
    created: _Spool = field(default_factory=_Spool)
    updated: _Spool = field(default_factory=_Spool)  # (member, names of the fields changed)
    households_with_unlisted: int = 0
    households: dict[tuple[int, str], int] = field(default_factory=dict)
    heads: dict[int, str] = field(default_factory=dict)  # household id → its head, normalised

    @property
    def headers(self) -> dict[str, str]:
        return self.report.headers

    def __post_init__(self):
        """Check the rows household by household, a chunk of households at a time: the
        members recorded in a chunk are read (and locked) for its rows, then let go, so the
        memory a roster takes grows with its households, not with the members recorded (a
        re-import of 300,000 unchanged members held every one of them at once: 898 MB), nor
        with its rows (which the first pass spooled: 488 MB)."""
        self.households = self._households()
        waiting: dict[int, list[MemberRow]] = defaultdict(list)  # household id → its rows
        complete: list[int] = []

        def fit(block: list[MemberRow]) -> list[MemberRow]:
            return check_limits(self.report, block, self.ambiguous, self.limits)

        for rows, done in self.rows.by_household(fit):
            for row in rows:
                household_id = self._household_id(row)
                if household_id is None:
                    self._error(row, "household_no", _NO_HOUSEHOLD, **_place(row))
                else:
                    waiting[household_id].append(row)
            for household in done:
                household_id = self._household_id_of(household)
                if household_id in waiting:
                    complete.append(household_id)
                    if len(complete) == HOUSEHOLDS_CHECKED_AT_ONCE:
                        self._check_households(complete, waiting)
                        complete = []
            if self.rows.scattered and complete:  # a partition's households, all complete
                self._check_households(complete, waiting)
                complete = []
        if complete:
            self._check_households(complete, waiting)

    def _failed(self) -> bool:
        return bool(self.errors or self.report.errors)

    def _check_households(self, household_ids: list[int], waiting) -> None:
        """The checks of these households' rows, then, while the file has no error, what
        they do (``_classify``) and how many households keep members the file leaves out;
        then their rows are let go."""
        rows = [row for household_id in household_ids for row in waiting.pop(household_id)]
        recorded = self._recorded_members(set(household_ids))
        elsewhere = self._id_numbers_elsewhere(rows)
        matched: dict[int, tuple[MemberRow, Member | None]] = {}  # line → (row, member)
        claimed: dict[int, int] = {}  # member pk → line
        for row in rows:
            household_id = self._household_id(row)
            member = self._check_row(row, household_id, recorded, elsewhere)
            if member is False:
                continue
            if member is not None:
                first = claimed.setdefault(member.pk, row.line)
                if first != row.line:
                    self._error(row, "name", _SAME_MEMBER, first=first, name=member.name)
                    continue
            matched[row.line] = row, member
            self._check_against_record(row, member)
        self._check_heads(matched, recorded)
        if self._failed():  # nothing will be written: plan nothing
            return
        for row, member in matched.values():
            self._classify(row, member)
        self.households_with_unlisted += sum(
            1
            for members in recorded.values()
            if any(member.pk not in claimed for member in members)
        )

    def _check_row(self, row: MemberRow, household_id: int, recorded, elsewhere):
        """The recorded member ``row`` is about, None for a new one, False after an error."""
        recorded_head = self.heads[household_id]
        if row.head_name and recorded_head and row.head_name != recorded_head:
            args = {"recorded": recorded_head, "head": row.head_name, **_place(row)}
            self._error(row, "head_name", _WRONG_HEAD, **args)
            return False
        holders = elsewhere.get(row.id_number, ())
        other = next((h for h in holders if h[1] != household_id), None)
        if other:
            self._other_household(row, other)
            return False
        return self._match(row, recorded[household_id])

    # --- Reads ------------------------------------------------------------------------------

    def _household_id(self, row: MemberRow) -> int | None:
        cooperative_id = self.known_ids[(row.village, row.cooperative)]
        return self.households.get((cooperative_id, row.household_no))

    def _household_id_of(self, household: tuple[str, str, str]) -> int | None:
        """The id of the household (village, cooperative, number) of the file, if recorded."""
        village, cooperative, number = household
        return self.households.get((self.known_ids[(village, cooperative)], number))

    def _households(self) -> dict[tuple[int, str], int]:
        """(cooperative id, household number) → household id, for the rows' households; their
        heads' names, normalised as the rows' (``normalize_name``), go to ``self.heads``."""
        households = Household.objects.all()
        if self.user is not None:
            households = households.visible_to(self.user)
        households_of_file = self.rows.last  # (village, cooperative, number) of each
        cooperatives = {self.known_ids[(v, c)] for v, c, _n in households_of_file}
        found = {}
        for numbers in _chunks({number for _v, _c, number in households_of_file}):
            chosen = households.filter(cooperative_id__in=cooperatives, number__in=numbers)
            for pk, cooperative_id, number, head in chosen.values_list(
                "pk", "cooperative_id", "number", "head_name"
            ):
                found[(cooperative_id, number)] = pk
                self.heads[pk] = normalize_name(head)
        return found

    def _recorded_members(self, household_ids: set[int]) -> dict[int, list[Member]]:
        """The members recorded in these households, locked until the import ends."""
        recorded: dict[int, list[Member]] = {pk: [] for pk in household_ids}
        for chunk in _chunks(sorted(household_ids)):
            members = Member.objects.select_for_update().filter(household_id__in=chunk)
            for member in members.order_by("pk"):
                recorded[member.household_id].append(member)
        return recorded

    def _id_numbers_elsewhere(self, rows: list[MemberRow]) -> dict[str, list[tuple]]:
        """ID number → (name, household id, number, cooperative id, cooperative, village) of
        each member recorded with the ID number of one of ``rows``, anywhere: a person belongs
        to one household, whoever may see it (the message names it only to those who may)."""
        found: dict[str, list[tuple]] = defaultdict(list)
        numbers = {row.id_number for row in rows if row.id_number}
        for chunk in _chunks(numbers):
            members = Member.objects.filter(id_number__in=chunk).order_by("pk")
            for id_number, *rest in members.values_list(
                "id_number",
                "name",
                "household_id",
                "household__number",
                "household__cooperative_id",
                "household__cooperative__name",
                "household__cooperative__village__name",
            ):
                found[id_number].append(tuple(rest))
        return found

    # --- Checks -----------------------------------------------------------------------------

    def _error(self, row: MemberRow, on: str, message, **args) -> None:
        """An error of ``row``, in its column ``on`` (its header as written)."""
        self.errors.append(RowError(row.line, self.headers.get(on, on), gettext(message) % args))

    def _other_household(self, row: MemberRow, other: tuple) -> None:
        name, _household_id, number, cooperative_id, cooperative, village = other
        if cooperative_id in set(self.known_ids.values()):
            args = {"name": name, "number": number, "village": village}
            self._error(row, "id_number", _IN_OTHER_HOUSEHOLD, cooperative=cooperative, **args)
        else:
            self._error(row, "id_number", _IN_HIDDEN_HOUSEHOLD)

    def _match(self, row: MemberRow, members: list[Member]) -> Member | None | bool:
        """The recorded member the row is about, None for a new one, False after an error."""
        if row.id_number:
            for member in members:
                if member.id_number == row.id_number:
                    return member
            namesakes = [m for m in members if m.name == row.name and not m.id_number]
        else:
            namesakes = [m for m in members if m.name == row.name]
        if len(namesakes) > 1:
            args = {"number": row.household_no, "count": len(namesakes), "name": row.name}
            self._error(row, "name", _NAMESAKES, **args)
            return False
        return namesakes[0] if namesakes else None

    def _check_against_record(self, row: MemberRow, member: Member | None) -> None:
        if member is None:
            return
        if row.is_shareholder is False and row.shares is None and member.shares > 0:
            column = self.headers.get("shares", "股份")
            args = {"name": member.name, "shares": member.shares, "column": column}
            self._error(row, "shareholder", _KEEPS_SHARES, **args)
        if row.birth_date and not row.id_number and member.id_number:
            from_id = id_number_birth_date(member.id_number)
            if from_id is not None and from_id != row.birth_date:
                args = {"value": row.birth_date.isoformat(), "name": member.name}
                self._error(row, "birth_date", _NOT_RECORDED_BIRTH, **args)

    def _check_heads(self, matched, recorded) -> None:
        """One head per household once the file is applied: a row that makes someone head is
        refused when the household keeps another (recorded, and not changed by the file)."""
        rows_of: dict[int, list[tuple[MemberRow, Member | None]]] = defaultdict(list)
        for row, member in matched.values():
            rows_of[self._household_id(row)].append((row, member))
        head = Member.Relation.HEAD
        for household_id, pairs in rows_of.items():
            row_of = {member.pk: row for row, member in pairs if member is not None}
            kept = [
                member.name
                for member in recorded[household_id]
                if member.relation == head
                and (member.pk not in row_of or not row_of[member.pk].relation)
            ]
            declared = [row for row, _member in pairs if row.relation == head]
            if len(kept) + len(declared) <= 1:
                continue
            for row in declared:
                other = kept[0] if kept else next(r.name for r in declared if r is not row)
                self._error(row, "relation", _SECOND_HEAD, number=row.household_no, head=other)

    # --- Values -----------------------------------------------------------------------------

    def _classify(self, row: MemberRow, member: Member | None) -> None:
        values = {
            ROW_FIELDS[name]: value
            for name, value in zip(MemberRow._fields, row, strict=True)
            if name in ROW_FIELDS and value is not None and value != ""
        }
        if member is None:
            self._plan(self.created, {"household_id": self._household_id(row), **values})
            return
        changed = {name for name, value in values.items() if getattr(member, name) != value}
        if changed:
            for name in changed:
                setattr(member, name, values[name])
            self._plan(self.updated, (member, changed))

    def _plan(self, spool: _Spool, value) -> None:
        """A write to do, spooled when it will be done, else only counted (a dry run)."""
        if self.write:
            spool.add(value)
        else:
            spool.count += 1


def _place(row: MemberRow) -> dict[str, str]:
    return {"number": row.household_no, "village": row.village, "cooperative": row.cooperative}


def _write(plan: _Plan, user, reason: str, batch_size: int, progress: Progress | None) -> None:
    """The new members, then the changed ones, in batches, each with its history rows: on
    PostgreSQL with COPY and set-based SQL (``cases.copy_writes``, as for households: five
    statements a batch), else with simple-history's bulk helpers (two a batch for the new
    members, two for the changed). Both write the same rows and history
    (tests/test_member_import.py compares them on PostgreSQL). The writes are read back from
    the plan's spools, a batch at a time."""
    history = {"now": timezone.now(), "reason": reason, "user": user}
    copy = copy_writes.in_use()
    # Values of a new member; (member, fields changed).
    total = plan.created.count + plan.updated.count
    done = 0
    if progress:
        progress(done, total)
    for batch in _chunks(chain(plan.created, plan.updated), batch_size):
        created = [values for values in batch if isinstance(values, dict)]
        changes = batch[len(created) :]
        updated = [member for member, _changed in changes]
        fields = sorted(set().union(*(changed for _member, changed in changes)))
        (_copy if copy else _bulk)(created, updated, fields, **history)
        done += len(batch)
        if progress:
            progress(done, total)


def _bulk(created: list[dict], updated: list[Member], fields, *, now, reason, user) -> None:
    """simple-history's bulk helpers: new members (their values), and members whose
    ``fields`` change."""
    if created:
        members = [Member(**values) for values in created]
        bulk_history(Member, members, user, reason, now=now, batch_size=len(members))
    if updated:
        bulk_history(Member, updated, user, reason, fields=fields, now=now, batch_size=len(updated))


#: What a new member's row gives: every column but the id (attname → field).
_MEMBER_FIELDS = {f.attname: f for f in Member._meta.concrete_fields if not f.primary_key}


def _copy(created: list[dict], updated: list[Member], fields, **history) -> None:
    """``copy_writes.copy_write`` of new members (their values; a field without one takes
    its default, as ``Member(**values)`` does) and of members whose ``fields`` change."""
    defaults = {name: f.get_default() for name, f in _MEMBER_FIELDS.items()}
    changing = [Member._meta.get_field(name) for name in fields]
    copy_writes.copy_write(
        Member,
        list(_MEMBER_FIELDS.values()),
        created=(tuple({**defaults, **values}.values()) for values in created),
        updated=((m.pk, tuple(getattr(m, f.attname) for f in changing)) for m in updated),
        changing=changing,
        **history,
    )
