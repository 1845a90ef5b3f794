"""Vote rules and tallies: quorums and approval thresholds of the legal presets, exactly.

Pure module: no ORM, integers and ``fractions.Fraction`` only, never floats.

"以上" includes the number itself and "超过" / "过半数" does not (《民法典》第一千二百五十九条,
Civil Code art. 1259): "三分之二以上" is ``count >= 2/3 * total`` (``Bound(2/3, inclusive=True)``),
"过半数" is ``count > 1/2 * total`` (``Bound(1/2, inclusive=False)``). So 2/3 of 500 members is
333⅓ and 334 votes are needed; more than half of 10 is 6.

``eligible`` and ``present`` always count voters on the vote's basis (adults, members,
households or representatives). The households alternative of a quorum (村民会议, 村民小组会议)
uses ``eligible_households`` / ``present_households``. A vote held one vote per household
uses ``for_household_vote(rule)``, whose quorum is that households alternative alone.
"""

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Literal

from django.utils.translation import get_language, gettext_lazy as _

from .wording import LAWS_IN_ENGLISH

PRESENT = "present"
ELIGIBLE = "eligible"
VOTERS = "voters"
HOUSEHOLDS = "households"
Denominator = Literal["present", "eligible"]
QuorumBasis = Literal["voters", "households"]

VILLAGERS_MEETING = "villagers_meeting"
REPRESENTATIVES_MEETING = "representatives_meeting"
GROUP_MEETING = "group_meeting"
MEMBER_ASSEMBLY = "member_assembly"
MEMBER_REPRESENTATIVES = "member_representatives"
TWO_THIRDS_OF_ALL = "two_thirds_of_all"
CUSTOM = "custom"

GENERAL = "general"
LAND_COMPENSATION_DISTRIBUTION = "land_compensation_distribution"
CONSOLIDATION_PLAN = "consolidation_plan"
LAND_MARKET_ENTRY = "land_market_entry"
CONTRACTING_CHANGE = "contracting_change"
ACQUISITION_PLAN = "acquisition_plan"
SUBJECT_KINDS = [
    (GENERAL, _("general matter")),
    (LAND_COMPENSATION_DISTRIBUTION, _("distribution of land compensation")),
    (CONSOLIDATION_PLAN, _("land consolidation plan")),
    (LAND_MARKET_ENTRY, _("collective construction land entering the market")),
    (CONTRACTING_CHANGE, _("land contracting plan or change")),
    (ACQUISITION_PLAN, _("land acquisition compensation plan")),
]
_SUBJECT_CODES = frozenset(code for code, _label in SUBJECT_KINDS)


@dataclass(frozen=True)
class Citation:
    """A legal basis, in Chinese (for the UI and notices) and in English.

    ``in_force`` is the day the cited text (those article numbers, that wording) took effect;
    ``None`` for a custom rule's basis, which the township writes itself. See
    ``not_in_force_error``.
    """

    zh: str
    en: str
    in_force: date | None = None

    def __str__(self) -> str:
        """Chinese pages cite the Chinese text only; English ones add the English name."""
        if not self.en or self.en == self.zh or (get_language() or "zh").startswith("zh"):
            return self.zh
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True)
class Bound:
    """A share of a total: ``count >= fraction * total`` if inclusive (以上), else ``>`` (超过)."""

    fraction: Fraction
    inclusive: bool

    def __post_init__(self) -> None:
        if not isinstance(self.fraction, Fraction):
            raise TypeError(f"Bound.fraction must be a Fraction, not {self.fraction!r}")
        if not 0 < self.fraction <= 1 or (self.fraction == 1 and not self.inclusive):
            raise ValueError(f"a bound of {self._words()} can never be met or is always met")

    def met(self, count: int, total: int) -> bool:
        """Whether ``count`` out of ``total`` reaches the bound (exact integer arithmetic)."""
        lhs = count * self.fraction.denominator
        rhs = self.fraction.numerator * total
        return lhs >= rhs if self.inclusive else lhs > rhs

    def minimum(self, total: int) -> int:
        """The smallest integer count that meets the bound: ≥2/3 of 500 → 334, >1/2 of 10 → 6."""
        whole, rest = divmod(self.fraction.numerator * total, self.fraction.denominator)
        return whole + 1 if rest or not self.inclusive else whole

    def _words(self) -> str:
        return f"{'at least' if self.inclusive else 'more than'} {self.fraction}"


@dataclass(frozen=True)
class QuorumOption:
    """One alternative of a quorum: ``bound`` of the voters, or of the households, present."""

    basis: QuorumBasis
    bound: Bound


@dataclass(frozen=True)
class Rule:
    """A voting rule. ``quorum`` lists alternatives (any one suffices); empty means no quorum."""

    code: str
    label: str = field(compare=False)  # a lazy translation; not used in ==/hash
    citation: Citation
    quorum: tuple[QuorumOption, ...]
    approval: Bound
    approval_denominator: Denominator
    proxy_same_household_only: bool = False
    forbidden_subjects: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.approval_denominator not in (PRESENT, ELIGIBLE):
            raise ValueError(
                f"approval_denominator must be 'present' or 'eligible', "
                f"not {self.approval_denominator!r}"
            )


_HALF = Bound(Fraction(1, 2), inclusive=False)  # 过半数: more than half
_TWO_THIRDS = Bound(Fraction(2, 3), inclusive=True)  # 三分之二以上: at least two thirds
# The laws' English names, as the procedure pages give them (``wording.LAWS_IN_ENGLISH``).
_OLVC = LAWS_IN_ENGLISH["村民委员会组织法"]
_RCEOL = f"{LAWS_IN_ENGLISH['农村集体经济组织法']} (2024)"
_LAND_ADMIN_EN = LAWS_IN_ENGLISH["土地管理法"]
_CONTRACTING_EN = f"{LAWS_IN_ENGLISH['农村土地承包法']}, arts. 19, 28, 52"
#: When the cited texts took effect. 村民委员会组织法: the 2010 revision (adopted and in force
#: 2010-10-28) gave the articles the numbers cited here. 农村集体经济组织法: adopted
#: 2024-06-28, in force 2025-05-01. 土地管理法 art. 63 (market entry of collective
#: construction land): the 2019 amendment, in force 2020-01-01 (before, art. 63 forbade it).
#: 农村土地承包法 arts. 19, 28, 52: the 2018 amendment, in force 2019-01-01.
_OLVC_2010 = date(2010, 10, 28)
_RCEOL_IN_FORCE = date(2025, 5, 1)
_LAND_ADMIN_2019 = date(2020, 1, 1)
_CONTRACTING_2018 = date(2019, 1, 1)

# fmt: off
RULES: dict[str, Rule] = {rule.code: rule for rule in (
    # 村民委员会组织法 art. 22: 十八周岁以上村民的过半数, 或者本村三分之二以上的户的代表参加;
    # 所作决定应当经到会人员的过半数通过.
    Rule(VILLAGERS_MEETING, _("villagers' meeting"),
         Citation("《村民委员会组织法》第二十一、二十二条", f"{_OLVC}, arts. 21–22", _OLVC_2010),
         (QuorumOption(VOTERS, _HALF), QuorumOption(HOUSEHOLDS, _TWO_THIRDS)), _HALF, PRESENT),
    # Art. 26: 有三分之二以上的组成人员参加方可召开, 所作决定应当经到会人员的过半数同意.
    Rule(REPRESENTATIVES_MEETING, _("villagers' representatives' meeting"),
         Citation("《村民委员会组织法》第二十五、二十六条", f"{_OLVC}, arts. 25–26", _OLVC_2010),
         (QuorumOption(VOTERS, _TWO_THIRDS),), _HALF, PRESENT),
    # Art. 28: 十八周岁以上的村民三分之二以上, 或者三分之二以上的户的代表参加; 到会人员的过半数同意.
    Rule(GROUP_MEETING, _("villagers' group meeting"),
         Citation("《村民委员会组织法》第二十八条", f"{_OLVC}, art. 28", _OLVC_2010),
         (QuorumOption(VOTERS, _TWO_THIRDS), QuorumOption(HOUSEHOLDS, _TWO_THIRDS)),
         _HALF, PRESENT),
    # 农村集体经济组织法 arts. 26–27: 三分之二以上成员参加; 一人一票; 全体成员三分之二以上同意;
    # a written proxy only to a member of the same household.
    Rule(MEMBER_ASSEMBLY, _("collective members' assembly"),
         Citation("《农村集体经济组织法》第二十六、二十七条", f"{_RCEOL}, arts. 26–27",
                  _RCEOL_IN_FORCE),
         (QuorumOption(VOTERS, _TWO_THIRDS),), _TWO_THIRDS, ELIGIBLE,
         proxy_same_household_only=True),
    # Same law, art. 28: 全体成员代表三分之二以上同意; not the distribution of land compensation.
    Rule(MEMBER_REPRESENTATIVES, _("members' representatives' assembly"),
         Citation("《农村集体经济组织法》第二十八条", f"{_RCEOL}, art. 28", _RCEOL_IN_FORCE),
         (), _TWO_THIRDS, ELIGIBLE,
         forbidden_subjects=frozenset({LAND_COMPENSATION_DISTRIBUTION})),
    # 土地管理法 art. 63, 农村土地承包法 arts. 19, 28, 52: 经本集体经济组织成员的村民会议
    # 三分之二以上成员或者三分之二以上村民代表的同意.
    Rule(TWO_THIRDS_OF_ALL, _("two thirds of all members"),
         Citation("《土地管理法》第六十三条；《农村土地承包法》第十九、二十八、五十二条",
                  f"{_LAND_ADMIN_EN}, art. 63; {_CONTRACTING_EN}",
                  max(_LAND_ADMIN_2019, _CONTRACTING_2018)),
         (), _TWO_THIRDS, ELIGIBLE),
)}
# fmt: on


def get_rule(code: str) -> Rule:
    """The preset rule with this code; ``ValueError`` for ``custom`` or an unknown code."""
    if code == CUSTOM:
        raise ValueError("the custom rule has no preset: build it with custom_rule(...)")
    try:
        return RULES[code]
    except KeyError:
        known = ", ".join(RULES)
        raise ValueError(f"unknown vote rule {code!r}; known rules: {known}, custom") from None


def _fraction(name: str, num: int | None, den: int | None) -> Fraction:
    for part, value in ((f"{name}_num", num), (f"{name}_den", den)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{part} must be an integer, not {value!r}")
    if den <= 0 or num <= 0 or num > den:
        raise ValueError(f"{name} must be a fraction in (0, 1], got {num}/{den}")
    return Fraction(num, den)


def custom_rule(
    *,
    quorum_num: int | None,
    quorum_den: int | None,
    quorum_inclusive: bool,
    approval_num: int,
    approval_den: int,
    approval_inclusive: bool,
    approval_denominator: Denominator,
    citation: str = "",
) -> Rule:
    """The township's own rule, as stored on the vote. ``quorum_num=None`` means no quorum.

    The quorum counts voters present against ``eligible``; fractions must lie in (0, 1].
    """
    if (quorum_num is None) != (quorum_den is None):
        raise ValueError(
            f"quorum_num and quorum_den must both be set or both be None "
            f"(got {quorum_num}/{quorum_den})"
        )
    quorum: tuple[QuorumOption, ...] = ()
    if quorum_num is not None:
        bound = Bound(_fraction("quorum", quorum_num, quorum_den), bool(quorum_inclusive))
        quorum = (QuorumOption(VOTERS, bound),)
    approval = Bound(_fraction("approval", approval_num, approval_den), bool(approval_inclusive))
    cite = Citation(citation, citation)
    return Rule(CUSTOM, _("custom rule"), cite, quorum, approval, approval_denominator)


def _as_rule(rule: str | Rule) -> Rule:
    return rule if isinstance(rule, Rule) else get_rule(rule)


def for_household_vote(rule: str | Rule) -> Rule:
    """The rule for a vote held one vote per household (``eligible``/``present`` = households).

    村民会议 / 村民小组会议 then reach their quorum only by households (三分之二以上的户的代表):
    the adults alternative cannot be judged from household ballots, and ">1/2 of households"
    would be too lenient. Rules without a households alternative are returned unchanged.
    """
    rule = _as_rule(rule)
    by_household = tuple(
        QuorumOption(VOTERS, o.bound) for o in rule.quorum if o.basis == HOUSEHOLDS
    )
    return replace(rule, quorum=by_household) if by_household else rule


def _at_least_two_thirds_of_all(rule: Rule) -> bool:
    # Strict "more than 2/3" is stronger still than "at least 2/3".
    return rule.approval_denominator == ELIGIBLE and rule.approval.fraction >= Fraction(2, 3)


_LAND_MARKET_LAW = Citation(
    "《土地管理法》第六十三条", f"{_LAND_ADMIN_EN}, art. 63", _LAND_ADMIN_2019
)
_CONTRACTING_LAW = Citation(
    "《农村土地承包法》第十九、二十八、五十二条", _CONTRACTING_EN, _CONTRACTING_2018
)
_VILLAGE_MEETING_MATTERS = Citation(
    "《村民委员会组织法》第二十四条", f"{_OLVC}, art. 24", _OLVC_2010
)


def subject_warnings(rule: str | Rule, subject_kind: str) -> list[str]:
    """Legal objections to deciding ``subject_kind`` under ``rule`` (translated, current language).

    - a rule may not decide a subject in its ``forbidden_subjects`` (成员代表大会 and the
      distribution of land compensation, 《农村集体经济组织法》第二十八条);
    - a villagers' representatives' meeting decides land compensation only when authorised by
      the villagers' meeting (《村民委员会组织法》第二十四条);
    - market entry of collective construction land (《土地管理法》第六十三条) and land
      contracting plans or changes (《农村土地承包法》第十九、二十八、五十二条) need at least 2/3
      of all members of the villagers' meeting or of the representatives; weaker rules warn.
    """
    rule = _as_rule(rule)
    if subject_kind not in _SUBJECT_CODES:
        raise ValueError(f"unknown subject kind {subject_kind!r}; known: {sorted(_SUBJECT_CODES)}")
    found: list[str] = []
    if subject_kind in rule.forbidden_subjects:
        msg = _("A %(rule)s may not decide this subject (%(citation)s).")
        found.append(str(msg % {"rule": rule.label, "citation": rule.citation}))
    if rule.code == REPRESENTATIVES_MEETING and subject_kind == LAND_COMPENSATION_DISTRIBUTION:
        msg = _(
            "The use and distribution of land compensation is decided by the villagers' meeting; "
            "a representatives' meeting may decide it only when so authorised (%(citation)s)."
        )
        found.append(str(msg % {"citation": _VILLAGE_MEETING_MATTERS}))
    law = {LAND_MARKET_ENTRY: _LAND_MARKET_LAW, CONTRACTING_CHANGE: _CONTRACTING_LAW}.get(
        subject_kind
    )
    if law and not _at_least_two_thirds_of_all(rule):
        msg = _(
            "This subject needs the consent of at least 2/3 of all members of the villagers' "
            "meeting or at least 2/3 of the villagers' representatives (%(citation)s); the "
            "chosen rule (%(rule)s) requires less."
        )
        found.append(str(msg % {"citation": law, "rule": rule.label}))
    return found


def not_in_force_error(rule: str | Rule, opens_on: date) -> str | None:
    """Why a vote opening on ``opens_on`` cannot be held under ``rule``: the law its citation
    names was not in force yet (translated, current language); ``None`` when it was, and for a
    custom rule, whose basis the township records in its own words.

    Decision: an error at set-up (``services.vote_check``, hence the vote form and the admin),
    not a warning. The citation is printed on the result notice (公示) and the thresholds come
    with it; a 2020 vote "under" the 2024 《农村集体经济组织法》 would publish a basis that did
    not exist. Back-filling an old paper vote stays possible: the rule in force then, or a
    custom rule whose numbers and basis (e.g. the cooperative's articles) are those applied.
    A vote stored before this check shows the same sentence as a warning on its tally and
    notice (``cases.views.votes``).
    """
    if rule == CUSTOM:
        return None
    rule = _as_rule(rule)
    in_force = rule.citation.in_force
    if in_force is None or opens_on >= in_force:
        return None
    msg = _(
        "%(citation)s is in force from %(in_force)s: a vote opening on %(opens)s cannot be "
        "held under it. Choose a rule in force on that day, or a custom rule with the basis "
        "that applied (for example the cooperative's articles of association)."
    )
    return str(
        msg
        % {
            "citation": rule.citation,
            "in_force": in_force.isoformat(),
            "opens": opens_on.isoformat(),
        }
    )


@dataclass(frozen=True)
class Tally:
    """The state of a vote under its rule. See ``tally`` for the meaning of each number."""

    rule: Rule
    eligible: int
    present: int
    votes_for: int
    votes_against: int
    abstain: int
    eligible_households: int | None
    present_households: int | None
    cast: int
    turnout: Fraction
    quorum_met: bool
    quorum_via: QuorumBasis | None
    quorum_needed: int
    quorum_needed_households: int | None
    approval: Fraction
    threshold: Fraction
    for_required: int
    passed: bool
    needed_for: int
    can_still_pass: bool


def _quorum_via(
    rule: Rule, present: int, eligible: int, ph: int | None, eh: int | None
) -> QuorumBasis | None:
    for option in rule.quorum:
        if option.basis == VOTERS and option.bound.met(present, eligible):
            return VOTERS
        households_given = eh is not None and ph is not None
        if option.basis == HOUSEHOLDS and households_given and option.bound.met(ph, eh):
            return HOUSEHOLDS
    return None


def _passes(
    rule: Rule, eligible: int, present: int, votes_for: int, ph: int | None, eh: int | None
) -> bool:
    if rule.quorum and _quorum_via(rule, present, eligible, ph, eh) is None:
        return False
    total = present if rule.approval_denominator == PRESENT else eligible
    return total > 0 and rule.approval.met(votes_for, total)


def _check_counts(
    eligible: int, present: int, f: int, a: int, ab: int, eh: int | None, ph: int | None
) -> None:
    named = {"eligible": eligible, "present": present, "votes_for": f, "votes_against": a}
    named |= {"abstain": ab, "eligible_households": eh, "present_households": ph}
    for name, value in named.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise TypeError(f"{name} must be an integer, not {value!r}")
        if value is not None and value < 0:
            raise ValueError(f"{name} must not be negative (got {value})")
    if present > eligible:
        raise ValueError(f"present ({present}) cannot exceed eligible ({eligible})")
    if f + a + ab > present:
        raise ValueError(
            f"votes cast (for {f} + against {a} + abstain {ab} = {f + a + ab}) "
            f"cannot exceed present ({present})"
        )
    if eh is None or ph is None:
        if eh is not None or ph is not None:
            raise ValueError(
                "eligible_households and present_households must be given together "
                f"(got eligible_households={eh}, present_households={ph})"
            )
    elif ph > eh:
        raise ValueError(f"present_households ({ph}) cannot exceed eligible_households ({eh})")


def tally(
    rule_code: str | Rule,
    *,
    eligible: int,
    present: int,
    votes_for: int,
    votes_against: int,
    abstain: int,
    eligible_households: int | None = None,
    present_households: int | None = None,
) -> Tally:
    """Count a vote under a preset code or a ``Rule`` (e.g. from ``custom_rule``).

    ``passed`` needs the quorum (any alternative; the household one only when both household
    counts are given) and the approval bound on ``votes_for`` against ``present`` or
    ``eligible``. An electorate of zero passes nothing. ``approval`` is that share (0 when the
    denominator is 0); ``for_required`` the for-votes the bound needs at today's denominator.
    ``quorum_needed`` is how many more voters must be present for a voters' alternative, and
    ``quorum_needed_households`` how many more households (``None`` when not available); both
    are 0 once the quorum is met.

    ``needed_for`` is the smallest number of additional "for" votes that would pass the vote,
    each cast by an eligible voter who has not voted yet: first by absent voters, so that
    ``present`` (and the voters' quorum) grows with them, then, once all are present, by present
    voters who have not voted. Household counts are assumed unchanged. It is 0 when passed. When
    even every remaining voter voting for would not pass the vote, ``can_still_pass`` is False
    and ``needed_for`` is still the honest arithmetic answer: the same count continued past the
    voters there are (with everyone present), i.e. for-votes some against or abstaining voters
    would have to turn into. With no eligible voters, ``needed_for`` is 0 and the vote can't pass.

    Raises ``ValueError`` for impossible counts and ``TypeError`` for non-integers.
    """
    rule = _as_rule(rule_code)
    eh, ph = eligible_households, present_households
    _check_counts(eligible, present, votes_for, votes_against, abstain, eh, ph)
    cast = votes_for + votes_against + abstain
    via = _quorum_via(rule, present, eligible, ph, eh)
    quorum_met = not rule.quorum or via is not None
    voter_gaps = [o.bound.minimum(eligible) - present for o in rule.quorum if o.basis == VOTERS]
    household_gaps = [
        o.bound.minimum(eh) - ph for o in rule.quorum if o.basis == HOUSEHOLDS and eh is not None
    ]
    total = present if rule.approval_denominator == PRESENT else eligible
    passed = _passes(rule, eligible, present, votes_for, ph, eh)

    def passes_with(extra: int) -> bool:
        return _passes(rule, eligible, min(present + extra, eligible), votes_for + extra, ph, eh)

    needed, can_pass = 0, passed
    if not passed and eligible > 0:
        # passes_with() is monotone, and true at ``high``: everyone present, the bound reached.
        high = max(eligible - present, rule.approval.minimum(eligible) - votes_for, 0)
        low = -1
        if passes_with(high):
            while high - low > 1:
                mid = (low + high) // 2
                low, high = (low, mid) if passes_with(mid) else (mid, high)
            can_pass = high <= eligible - cast
        needed = high
    return Tally(
        rule=rule,
        eligible=eligible,
        present=present,
        votes_for=votes_for,
        votes_against=votes_against,
        abstain=abstain,
        eligible_households=eh,
        present_households=ph,
        cast=cast,
        turnout=Fraction(cast, eligible) if eligible else Fraction(0),
        quorum_met=quorum_met,
        quorum_via=via,
        quorum_needed=0 if quorum_met else max(0, min(voter_gaps, default=0)),
        quorum_needed_households=(
            None if not household_gaps else 0 if quorum_met else max(0, min(household_gaps))
        ),
        approval=Fraction(votes_for, total) if total else Fraction(0),
        threshold=rule.approval.fraction,
        for_required=rule.approval.minimum(total),
        passed=passed,
        needed_for=needed,
        can_still_pass=can_pass,
    )


def format_percent(fraction: Fraction | int, places: int = 1) -> str:
    """``fraction`` as a percentage rounded half up exactly: Fraction(2, 3) → "66.7%".

    The Decimal division runs at a precision (digits of numerator + denominator + places + 6)
    at which its error is far smaller than the distance of any non-tie value to a rounding tie,
    and ties (finite decimals) divide exactly; so ROUND_HALF_UP rounds the exact value.
    """
    if isinstance(fraction, float):
        raise TypeError("format_percent takes a Fraction or an int, not a float")
    value = Fraction(fraction) * 100
    with localcontext() as ctx:
        ctx.prec = len(str(abs(value.numerator))) + len(str(value.denominator)) + places + 6
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{abs(rounded) if rounded == 0 else rounded:f}%"
