"""Vote rules and tallies (cases.voting): boundaries of every preset, exact arithmetic, errors.

"以上" includes the number, "超过 / 过半数" does not (民法典 art. 1259). Expected values are worked
out by hand in the comments; no database, no Django test plugin needed.
"""

from collections.abc import Iterator
from datetime import date
from fractions import Fraction

import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import assume, given, settings as hypothesis_settings, strategies as st

from cases.voting import (
    CUSTOM,
    ELIGIBLE,
    HOUSEHOLDS,
    PRESENT,
    RULES,
    SUBJECT_KINDS,
    VOTERS,
    Bound,
    Rule,
    custom_rule,
    for_household_vote,
    format_percent,
    get_rule,
    not_in_force_error,
    subject_warnings,
    tally,
)

no_db = hypothesis_settings(database=None, max_examples=300, deadline=None)
PRESETS = [
    "villagers_meeting",
    "representatives_meeting",
    "group_meeting",
    "member_assembly",
    "member_representatives",
    "two_thirds_of_all",
]


@pytest.fixture(scope="module", autouse=True)
def english_messages() -> Iterator[None]:
    """Lazy messages need settings to be evaluated with str(); the messages checked are English."""
    if not settings.configured:
        settings.configure(USE_I18N=False)
    with translation.override("en"):
        yield


def custom(
    quorum: tuple[int, int] | None = None,
    quorum_inclusive: bool = True,
    approval: tuple[int, int] = (1, 2),
    approval_inclusive: bool = False,
    denominator: str = PRESENT,
) -> Rule:
    return custom_rule(
        quorum_num=quorum[0] if quorum else None,
        quorum_den=quorum[1] if quorum else None,
        quorum_inclusive=quorum_inclusive,
        approval_num=approval[0],
        approval_den=approval[1],
        approval_inclusive=approval_inclusive,
        approval_denominator=denominator,
        citation="九江镇表决规则第三条",
    )


def count(rule: str | Rule, e: int, p: int, f: int, a: int = 0, ab: int = 0, eh=None, ph=None):
    return tally(
        rule,
        eligible=e,
        present=p,
        votes_for=f,
        votes_against=a,
        abstain=ab,
        eligible_households=eh,
        present_households=ph,
    )


# --- Bound -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fraction", "inclusive", "total", "minimum"),
    [
        (Fraction(2, 3), True, 500, 334),  # 333⅓ → 334
        (Fraction(2, 3), False, 500, 334),
        (Fraction(2, 3), True, 3, 2),  # exactly 2 is "以上"
        (Fraction(2, 3), False, 3, 3),  # "超过" 2 needs 3
        (Fraction(1, 2), False, 10, 6),  # 过半数 of 10
        (Fraction(1, 2), True, 10, 5),
        (Fraction(1, 2), False, 11, 6),
        (Fraction(1, 2), False, 0, 1),
        (Fraction(2, 3), True, 0, 0),
        (Fraction(1), True, 7, 7),
    ],
)
def test_bound_minimum(fraction: Fraction, inclusive: bool, total: int, minimum: int) -> None:
    bound = Bound(fraction, inclusive)
    assert bound.minimum(total) == minimum
    assert bound.met(minimum, total)
    assert minimum == 0 or not bound.met(minimum - 1, total)


@no_db
@given(
    st.fractions(min_value=Fraction(1, 50), max_value=1, max_denominator=50),
    st.booleans(),
    st.integers(0, 10_000),
)
def test_bound_minimum_is_the_smallest_count_meeting_it(
    fraction: Fraction, inclusive: bool, total: int
) -> None:
    assume(inclusive or fraction < 1)
    bound = Bound(fraction, inclusive)
    smallest = bound.minimum(total)
    assert bound.met(smallest, total)
    assert smallest == 0 or not bound.met(smallest - 1, total)


@pytest.mark.parametrize(
    ("fraction", "inclusive", "error"),
    [
        (Fraction(0), True, ValueError),
        (Fraction(1), False, ValueError),
        (Fraction(3, 2), True, ValueError),
        (0.5, True, TypeError),
    ],
)
def test_bound_rejects_impossible_or_inexact_fractions(fraction, inclusive, error) -> None:
    with pytest.raises(error):
        Bound(fraction, inclusive)


# --- The presets -----------------------------------------------------------------------------


def test_every_preset_is_there_with_its_law() -> None:
    assert list(RULES) == PRESETS
    for code, rule in RULES.items():
        assert rule.code == code and get_rule(code) is rule
        assert rule.citation.zh.startswith("《") and "条" in rule.citation.zh
        assert "art" in rule.citation.en
    assert RULES["villagers_meeting"].citation.zh == "《村民委员会组织法》第二十一、二十二条"
    assert (
        RULES["villagers_meeting"].citation.en
        == "Organic Law of Villagers' Committees, arts. 21–22"
    )
    assert RULES["member_assembly"].proxy_same_household_only
    assert not any(r.proxy_same_household_only for c, r in RULES.items() if c != "member_assembly")


@pytest.mark.parametrize(
    ("code", "quorum", "approval", "inclusive", "denominator"),
    [
        (
            "villagers_meeting",
            {(VOTERS, "1/2", False), (HOUSEHOLDS, "2/3", True)},
            "1/2",
            False,
            PRESENT,
        ),
        ("representatives_meeting", {(VOTERS, "2/3", True)}, "1/2", False, PRESENT),
        (
            "group_meeting",
            {(VOTERS, "2/3", True), (HOUSEHOLDS, "2/3", True)},
            "1/2",
            False,
            PRESENT,
        ),
        ("member_assembly", {(VOTERS, "2/3", True)}, "2/3", True, ELIGIBLE),
        ("member_representatives", set(), "2/3", True, ELIGIBLE),
        ("two_thirds_of_all", set(), "2/3", True, ELIGIBLE),
    ],
)
def test_preset_matches_the_design_table(code, quorum, approval, inclusive, denominator) -> None:
    rule = get_rule(code)
    got = {(o.basis, str(o.bound.fraction), o.bound.inclusive) for o in rule.quorum}
    assert got == quorum
    assert rule.approval == Bound(Fraction(approval), inclusive)
    assert rule.approval_denominator == denominator


def test_get_rule_rejects_unknown_and_custom_codes() -> None:
    with pytest.raises(ValueError, match=r"unknown vote rule 'villagers'.*villagers_meeting"):
        get_rule("villagers")
    with pytest.raises(ValueError, match="custom_rule"):
        get_rule(CUSTOM)
    with pytest.raises(ValueError, match="unknown vote rule"):
        tally("two_thirds", eligible=1, present=1, votes_for=1, votes_against=0, abstain=0)


# One row: rule, (eligible, present, for, against, abstain, eligible hh, present hh),
# quorum met, passed.
BOUNDARIES = [
    # 村民会议: adults present > 1/2 (strict) OR households present >= 2/3; for > 1/2 of present.
    ("villagers_meeting", (100, 50, 50, 0, 0, None, None), False, False),  # exactly half: no quorum
    ("villagers_meeting", (100, 51, 26, 25, 0, None, None), True, True),  # 26 > 25.5
    ("villagers_meeting", (100, 60, 30, 30, 0, None, None), True, False),  # exactly half of present
    ("villagers_meeting", (100, 60, 31, 29, 0, None, None), True, True),  # half + 1
    (
        "villagers_meeting",
        (100, 60, 30, 0, 30, None, None),
        True,
        False,
    ),  # abstentions count present
    ("villagers_meeting", (100, 50, 40, 10, 0, 30, 20), True, True),  # via households, not adults
    ("villagers_meeting", (100, 50, 40, 10, 0, 30, 19), False, False),  # neither (19 < 20)
    ("villagers_meeting", (100, 51, 40, 11, 0, 30, 19), True, True),  # via adults, not households
    ("villagers_meeting", (100, 50, 50, 0, 0, 30, 30), True, True),  # all households came
    # 村民代表会议: >= 2/3 of representatives present; for > 1/2 of present.
    ("representatives_meeting", (30, 20, 11, 9, 0, None, None), True, True),
    ("representatives_meeting", (30, 19, 19, 0, 0, None, None), False, False),  # 19 < 20
    ("representatives_meeting", (30, 30, 15, 15, 0, None, None), True, False),
    ("representatives_meeting", (30, 30, 16, 14, 0, None, None), True, True),
    # 村民小组会议: adults >= 2/3 (inclusive) OR households >= 2/3; for > 1/2 of present.
    ("group_meeting", (30, 20, 11, 9, 0, None, None), True, True),  # exactly 2/3 of adults
    ("group_meeting", (30, 19, 19, 0, 0, None, None), False, False),
    ("group_meeting", (3, 2, 2, 0, 0, None, None), True, True),  # 2 is 2/3 of 3
    ("group_meeting", (30, 20, 10, 10, 0, None, None), True, False),
    ("group_meeting", (30, 19, 19, 0, 0, 12, 8), True, True),  # via households (8 = 2/3 of 12)
    ("group_meeting", (30, 19, 19, 0, 0, 12, 7), False, False),
    # 成员大会: >= 2/3 of members present; for >= 2/3 of ALL members.
    ("member_assembly", (100, 70, 66, 4, 0, None, None), True, False),  # 66 < 66⅔
    ("member_assembly", (100, 70, 67, 3, 0, None, None), True, True),
    ("member_assembly", (100, 66, 66, 0, 0, None, None), False, False),  # 66 present < 66⅔
    ("member_assembly", (100, 67, 67, 0, 0, None, None), True, True),
    ("member_assembly", (500, 500, 333, 167, 0, None, None), True, False),
    ("member_assembly", (500, 500, 334, 166, 0, None, None), True, True),
    # 成员代表大会: no quorum; for >= 2/3 of ALL representatives.
    ("member_representatives", (500, 333, 333, 0, 0, None, None), True, False),
    ("member_representatives", (500, 334, 334, 0, 0, None, None), True, True),
    ("member_representatives", (3, 2, 2, 0, 0, None, None), True, True),
    ("member_representatives", (3, 3, 1, 2, 0, None, None), True, False),
    # 土地管理法 art. 63 / 农村土地承包法: for >= 2/3 of all, no quorum.
    ("two_thirds_of_all", (500, 500, 333, 100, 67, None, None), True, False),
    ("two_thirds_of_all", (500, 334, 334, 0, 0, None, None), True, True),
    ("two_thirds_of_all", (9, 9, 6, 3, 0, None, None), True, True),
    ("two_thirds_of_all", (9, 9, 5, 0, 4, None, None), True, False),
    ("two_thirds_of_all", (0, 0, 0, 0, 0, None, None), True, False),  # nobody: nothing passes
    # Custom: quorum > 1/2 (strict), for >= 3/4 of present.
    (custom((1, 2), False, (3, 4), True), (10, 5, 5, 0, 0, None, None), False, False),
    (custom((1, 2), False, (3, 4), True), (10, 8, 6, 2, 0, None, None), True, True),  # 6/8 = 3/4
    (custom((1, 2), False, (3, 4), False), (10, 8, 6, 2, 0, None, None), True, False),  # not > 3/4
    (custom((1, 2), True, (3, 4), True), (10, 5, 5, 0, 0, None, None), True, True),  # 5 >= 1/2
    # Custom: no quorum, for > 1/2 of all eligible.
    (
        custom(None, approval=(1, 2), denominator=ELIGIBLE),
        (10, 5, 5, 0, 0, None, None),
        True,
        False,
    ),
    (custom(None, approval=(1, 2), denominator=ELIGIBLE), (10, 6, 6, 0, 0, None, None), True, True),
]


@pytest.mark.parametrize(("rule", "counts", "quorum_met", "passed"), BOUNDARIES)
def test_boundaries_of_every_rule(rule, counts, quorum_met: bool, passed: bool) -> None:
    result = count(rule, *counts)
    assert (result.quorum_met, result.passed) == (quorum_met, passed)
    if passed or result.eligible == 0:  # nobody eligible: nothing to ask for, nothing passes
        assert result.needed_for == 0
    else:
        assert result.needed_for > 0


def test_villagers_meeting_reports_which_alternative_met_the_quorum() -> None:
    assert count("villagers_meeting", 100, 50, 40, eh=30, ph=20).quorum_via == HOUSEHOLDS
    assert count("villagers_meeting", 100, 51, 40, eh=30, ph=19).quorum_via == VOTERS
    assert count("villagers_meeting", 100, 50, 40, eh=30, ph=19).quorum_via is None
    assert count("member_representatives", 10, 0, 0).quorum_via is None  # no quorum to meet


def test_a_vote_by_household_needs_two_thirds_of_households() -> None:
    rule = for_household_vote("villagers_meeting")
    assert [(o.basis, o.bound) for o in rule.quorum] == [(VOTERS, Bound(Fraction(2, 3), True))]
    assert (
        rule.approval == get_rule("villagers_meeting").approval and rule.code == "villagers_meeting"
    )
    assert not count(rule, 30, 19, 19).quorum_met  # 19 > 15 households, but < 20
    assert count(rule, 30, 20, 11, 9).passed
    assert count(for_household_vote("group_meeting"), 12, 8, 5, 3).passed
    assert for_household_vote("member_assembly") is get_rule("member_assembly")


def test_member_assembly_counts_approval_against_all_members() -> None:
    result = count("member_assembly", 100, 70, 66, 4)
    assert result.approval == Fraction(66, 100)
    assert result.threshold == Fraction(2, 3)
    assert result.for_required == 67
    assert result.turnout == Fraction(70, 100) and result.cast == 70
    assert not result.passed and result.needed_for == 1


def test_villagers_meeting_counts_approval_against_those_present() -> None:
    result = count("villagers_meeting", 100, 60, 31, 20, 9)
    assert result.approval == Fraction(31, 60)
    assert result.for_required == 31
    assert result.turnout == Fraction(60, 100)


def test_tally_accepts_a_custom_rule_and_keeps_the_counts() -> None:
    rule = custom((2, 3), True, (1, 2), False)
    result = count(rule, 12, 8, 5, 2, 1)
    assert result.rule == rule and result.rule.code == CUSTOM
    assert result.rule.citation.zh == "九江镇表决规则第三条"
    assert (result.eligible, result.present, result.cast) == (12, 8, 8)
    assert (result.votes_for, result.votes_against, result.abstain) == (5, 2, 1)
    assert result.quorum_met and result.passed
    with pytest.raises(AttributeError):
        result.passed = False  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"quorum_num": 1, "quorum_den": None}, "quorum_num and quorum_den must both be set"),
        ({"quorum_num": 3, "quorum_den": 2}, r"quorum must be a fraction in \(0, 1\], got 3/2"),
        ({"quorum_num": 0, "quorum_den": 2}, r"got 0/2"),
        ({"approval_num": 1, "approval_den": 0}, r"approval must be a fraction .* got 1/0"),
        ({"approval_num": 1, "approval_den": 1, "approval_inclusive": False}, "never be met"),
        ({"approval_denominator": "cast"}, "approval_denominator must be 'present' or 'eligible'"),
    ],
)
def test_custom_rule_rejects_impossible_settings(kwargs: dict, message: str) -> None:
    base = {
        "quorum_num": None,
        "quorum_den": None,
        "quorum_inclusive": True,
        "approval_num": 1,
        "approval_den": 2,
        "approval_inclusive": False,
        "approval_denominator": PRESENT,
    }
    with pytest.raises(ValueError, match=message):
        custom_rule(**(base | kwargs))


# --- How many more -------------------------------------------------------------------------

# rule, counts, needed_for, can_still_pass, quorum_needed
NEEDED = [
    ("two_thirds_of_all", (500, 350, 300, 50, 0, None, None), 34, True, 0),  # 334 - 300
    ("two_thirds_of_all", (10, 10, 3, 7, 0, None, None), 4, False, 0),  # 7 needed, nobody left
    ("member_assembly", (100, 70, 60, 10, 0, None, None), 7, True, 0),
    ("member_assembly", (100, 0, 0, 0, 0, None, None), 67, True, 67),  # quorum and approval: 67
    ("member_assembly", (100, 60, 60, 0, 0, None, None), 7, True, 7),
    ("villagers_meeting", (100, 60, 30, 30, 0, None, None), 1, True, 0),  # 31 of 61
    ("villagers_meeting", (100, 40, 40, 0, 0, None, None), 11, True, 11),  # quorum: 51 present
    ("villagers_meeting", (100, 30, 10, 20, 0, 30, 20), 11, True, 0),  # 21 > 41/2; via households
    ("villagers_meeting", (10, 10, 4, 2, 0, None, None), 2, True, 0),  # 4 present not voted yet
    ("villagers_meeting", (10, 10, 4, 6, 0, None, None), 2, False, 0),  # 6 needed; 2 must turn
    ("villagers_meeting", (100, 60, 31, 29, 0, None, None), 0, True, 0),  # passed
    ("representatives_meeting", (30, 19, 10, 9, 0, None, None), 1, True, 1),  # 11 of 20
    ("group_meeting", (30, 10, 2, 8, 0, None, None), 10, True, 10),  # 20 present, 12 > 10
    ("member_representatives", (45, 45, 29, 16, 0, None, None), 1, False, 0),  # 30 of 45
    ("two_thirds_of_all", (0, 0, 0, 0, 0, None, None), 0, False, 0),  # no electorate
    (custom((3, 4), True, (1, 2), True), (8, 4, 4, 0, 0, None, None), 2, True, 2),  # 6 present
]


@pytest.mark.parametrize(("rule", "counts", "needed", "can_pass", "quorum_needed"), NEEDED)
def test_needed_for_exact_values(rule, counts, needed: int, can_pass: bool, quorum_needed) -> None:
    result = count(rule, *counts)
    assert result.needed_for == needed
    assert result.can_still_pass is can_pass
    assert result.quorum_needed == quorum_needed


def test_quorum_needed_households() -> None:
    assert count("villagers_meeting", 100, 40, 0, eh=30, ph=15).quorum_needed_households == 5
    assert count("villagers_meeting", 100, 40, 0, eh=30, ph=15).quorum_needed == 11
    assert count("villagers_meeting", 100, 51, 0, eh=30, ph=15).quorum_needed_households == 0
    assert count("villagers_meeting", 100, 40, 0).quorum_needed_households is None
    assert count("representatives_meeting", 30, 20, 0).quorum_needed_households is None


# --- Impossible counts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ((-1, 0, 0, 0, 0, None, None), r"eligible must not be negative \(got -1\)"),
        ((10, -2, 0, 0, 0, None, None), r"present must not be negative \(got -2\)"),
        ((10, 5, -1, 0, 0, None, None), r"votes_for must not be negative \(got -1\)"),
        ((10, 5, 0, -3, 0, None, None), r"votes_against must not be negative \(got -3\)"),
        ((10, 5, 0, 0, -4, None, None), r"abstain must not be negative \(got -4\)"),
        ((10, 5, 0, 0, 0, -1, 0), r"eligible_households must not be negative \(got -1\)"),
        ((10, 5, 0, 0, 0, 3, -1), r"present_households must not be negative \(got -1\)"),
        ((10, 11, 0, 0, 0, None, None), r"present \(11\) cannot exceed eligible \(10\)"),
        (
            (10, 8, 5, 3, 1, None, None),
            r"votes cast \(for 5 \+ against 3 \+ abstain 1 = 9\) cannot exceed present \(8\)",
        ),
        (
            (10, 5, 0, 0, 0, 3, 4),
            r"present_households \(4\) cannot exceed eligible_households \(3\)",
        ),
        (
            (10, 5, 0, 0, 0, 3, None),
            r"given together \(got eligible_households=3, present_households=None\)",
        ),
        (
            (10, 5, 0, 0, 0, None, 2),
            r"given together \(got eligible_households=None, present_households=2\)",
        ),
    ],
)
def test_impossible_counts_raise(counts: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        count("villagers_meeting", *counts)


@pytest.mark.parametrize("bad", [2.0, "3", True, Fraction(3)])
def test_counts_must_be_integers(bad) -> None:
    with pytest.raises(TypeError, match="present must be an integer"):
        tally("two_thirds_of_all", eligible=5, present=bad, votes_for=0, votes_against=0, abstain=0)


# --- Properties ------------------------------------------------------------------------------


@st.composite
def any_rule(draw) -> str | Rule:
    """A preset code, or a possible custom rule."""
    if draw(st.booleans()):
        return draw(st.sampled_from(PRESETS))
    quorum = draw(st.sampled_from([None, (1, 2), (2, 3), (3, 4), (1, 3), (1, 1)]))
    approval = draw(st.sampled_from([(1, 2), (2, 3), (3, 5), (4, 5), (1, 1)]))
    quorum_inclusive = draw(st.booleans()) or quorum == (1, 1)  # "more than all" is impossible
    approval_inclusive = draw(st.booleans()) or approval == (1, 1)
    denominator = draw(st.sampled_from([PRESENT, ELIGIBLE]))
    return custom(quorum, quorum_inclusive, approval, approval_inclusive, denominator)


@st.composite
def possible_votes(draw) -> tuple[str | Rule, tuple]:
    """A rule and counts that can happen: for + against + abstain <= present <= eligible."""
    e = draw(st.integers(0, 150))
    p = draw(st.integers(0, e))
    f = draw(st.integers(0, p))
    a = draw(st.integers(0, p - f))
    ab = draw(st.integers(0, p - f - a))
    eh = ph = None
    if draw(st.booleans()):
        eh = draw(st.integers(0, 60))
        ph = draw(st.integers(0, eh))
    return draw(any_rule()), (e, p, f, a, ab, eh, ph)


def one_more_for(counts: tuple) -> list[tuple]:
    """Every way one voter can move to "for" while the counts stay possible."""
    e, p, f, a, ab, eh, ph = counts
    moves = []
    if p < e:  # an absent voter comes and votes for
        moves.append((e, p + 1, f + 1, a, ab, eh, ph))
    if f + a + ab < p:  # a present voter who had not voted
        moves.append((e, p, f + 1, a, ab, eh, ph))
    if ab:
        moves.append((e, p, f + 1, a, ab - 1, eh, ph))
    if a:
        moves.append((e, p, f + 1, a - 1, ab, eh, ph))
    return moves


def with_extra_for(counts: tuple, extra: int) -> tuple:
    """``extra`` more for votes as ``tally`` assumes: absent voters first, then present ones."""
    e, p, f, a, ab, eh, ph = counts
    return (e, min(p + extra, e), f + extra, a, ab, eh, ph)


@no_db
@given(possible_votes())
def test_approval_and_turnout_stay_within_zero_and_one(vote) -> None:
    rule, counts = vote
    result = count(rule, *counts)
    assert 0 <= result.approval <= 1 and isinstance(result.approval, Fraction)
    assert 0 <= result.turnout <= 1 and isinstance(result.turnout, Fraction)


@no_db
@given(possible_votes())
def test_passed_is_quorum_and_approval_bound(vote) -> None:
    rule, counts = vote
    result = count(rule, *counts)
    assert result.passed == (
        result.quorum_met
        and result.approval >= result.threshold
        and result.eligible > 0
        and (result.rule.approval.inclusive or result.approval > result.threshold)
    )


@no_db
@given(possible_votes())
def test_one_more_for_vote_never_turns_a_pass_into_a_fail(vote) -> None:
    rule, counts = vote
    result = count(rule, *counts)
    if not result.passed:  # most drawn votes fail: take the passing vote needed_for leads to
        assume(result.can_still_pass)
        counts = with_extra_for(counts, result.needed_for)
        assert count(rule, *counts).passed
    for moved in one_more_for(counts):
        assert count(rule, *moved).passed, moved


@no_db
@given(possible_votes())
def test_needed_for_more_for_votes_pass_and_one_fewer_does_not(vote) -> None:
    rule, counts = vote
    result = count(rule, *counts)
    if result.passed:
        assert result.needed_for == 0 and result.can_still_pass
        return
    e, p, f, a, ab, _eh, _ph = counts
    remaining = e - (f + a + ab)
    if result.can_still_pass:
        assert 0 < result.needed_for <= remaining
        assert count(rule, *with_extra_for(counts, result.needed_for)).passed
        assert not count(rule, *with_extra_for(counts, result.needed_for - 1)).passed
    else:
        # Even every remaining voter voting for does not pass it.
        assert not count(rule, *with_extra_for(counts, remaining)).passed
        assert e == 0 or result.needed_for > remaining


@no_db
@given(possible_votes())
def test_needed_for_agrees_with_counting_one_by_one(vote) -> None:
    rule, counts = vote
    result = count(rule, *counts)
    e, p, f, a, ab, _eh, _ph = counts
    remaining = e - (f + a + ab)
    first = next(
        (k for k in range(remaining + 1) if count(rule, *with_extra_for(counts, k)).passed), None
    )
    assert result.can_still_pass == (first is not None)
    if first is not None:
        assert result.needed_for == first


@no_db
@given(possible_votes())
def test_quorum_needed_more_present_meet_the_quorum(vote) -> None:
    rule, counts = vote
    result = count(rule, *counts)
    e, p, f, a, ab, eh, ph = counts
    if result.quorum_met:
        assert result.quorum_needed == 0
        return
    assume(p + result.quorum_needed <= e)
    assert count(rule, e, p + result.quorum_needed, f, a, ab, eh, ph).quorum_met
    assert result.quorum_needed > 0
    assert not count(rule, e, p + result.quorum_needed - 1, f, a, ab, eh, ph).quorum_met


# --- Percentages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (Fraction(2, 3), 1, "66.7%"),
        (Fraction(1, 3), 1, "33.3%"),
        (Fraction(1), 1, "100.0%"),
        (1, 0, "100%"),
        (Fraction(0), 1, "0.0%"),
        (Fraction(334, 500), 1, "66.8%"),
        (Fraction(1, 8), 1, "12.5%"),
        (Fraction(1, 800), 2, "0.13%"),  # 0.125 rounds half up
        (Fraction(1, 200), 0, "1%"),  # 0.5 rounds half up
        (Fraction(2, 3), 3, "66.667%"),
        (Fraction(66, 100), 1, "66.0%"),
        (Fraction(-1, 10_000), 1, "0.0%"),  # no "-0.0%"
    ],
)
def test_format_percent(value, places: int, text: str) -> None:
    assert format_percent(value, places) == text


def test_format_percent_refuses_floats() -> None:
    with pytest.raises(TypeError, match="not a float"):
        format_percent(2 / 3)


@no_db
@given(st.fractions(min_value=0, max_value=1, max_denominator=10**9), st.integers(0, 6))
def test_format_percent_rounds_the_exact_value_half_up(value: Fraction, places: int) -> None:
    scaled = value * 100 * 10**places
    expected = int(scaled + Fraction(1, 2))  # floor(x + 1/2) for x >= 0
    digits = format_percent(value, places).removesuffix("%").replace(".", "")
    assert int(digits) == expected


# --- Subjects --------------------------------------------------------------------------------


def test_subject_kinds() -> None:
    assert [code for code, _label in SUBJECT_KINDS] == [
        "general",
        "land_compensation_distribution",
        "consolidation_plan",
        "land_market_entry",
        "contracting_change",
        "acquisition_plan",
    ]


def test_representatives_assembly_may_not_distribute_land_compensation() -> None:
    warnings = subject_warnings("member_representatives", "land_compensation_distribution")
    assert len(warnings) == 1
    assert "may not decide" in warnings[0] and "《农村集体经济组织法》第二十八条" in warnings[0]
    assert subject_warnings("member_assembly", "land_compensation_distribution") == []
    assert subject_warnings("villagers_meeting", "land_compensation_distribution") == []


def test_villagers_representatives_need_authorisation_for_land_compensation() -> None:
    (warning,) = subject_warnings("representatives_meeting", "land_compensation_distribution")
    assert "authorised" in warning and "第二十四条" in warning


@pytest.mark.parametrize("subject", ["land_market_entry", "contracting_change"])
@pytest.mark.parametrize(
    ("rule", "warns"),
    [
        ("villagers_meeting", True),
        ("representatives_meeting", True),
        ("group_meeting", True),
        ("member_assembly", False),
        ("member_representatives", False),
        ("two_thirds_of_all", False),
        (custom(None, approval=(2, 3), approval_inclusive=True, denominator=ELIGIBLE), False),
        (custom(None, approval=(3, 4), approval_inclusive=False, denominator=ELIGIBLE), False),
        (custom(None, approval=(3, 5), approval_inclusive=True, denominator=ELIGIBLE), True),
        (custom((2, 3), approval=(2, 3), approval_inclusive=True, denominator=PRESENT), True),
    ],
)
def test_two_thirds_of_all_subjects_flag_weaker_rules(rule, warns: bool, subject: str) -> None:
    warnings = subject_warnings(rule, subject)
    assert bool(warnings) == warns
    if warns:
        article = "第六十三条" if subject == "land_market_entry" else "第十九、二十八、五十二条"
        assert article in warnings[0] and "2/3 of all members" in warnings[0]


@pytest.mark.parametrize("code", PRESETS)
@pytest.mark.parametrize("subject", ["general", "consolidation_plan", "acquisition_plan"])
def test_ordinary_subjects_do_not_warn(code: str, subject: str) -> None:
    assert subject_warnings(code, subject) == []


def test_subject_warnings_rejects_unknown_codes() -> None:
    with pytest.raises(ValueError, match="unknown subject kind 'land'"):
        subject_warnings("member_assembly", "land")
    with pytest.raises(ValueError, match="unknown vote rule"):
        subject_warnings("assembly", "general")


# --- Laws in force ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "last_day_before", "in_force"),
    [
        ("villagers_meeting", date(2010, 10, 27), date(2010, 10, 28)),
        ("group_meeting", date(2010, 10, 27), date(2010, 10, 28)),
        ("member_assembly", date(2025, 4, 30), date(2025, 5, 1)),
        ("member_representatives", date(2025, 4, 30), date(2025, 5, 1)),
        ("two_thirds_of_all", date(2019, 12, 31), date(2020, 1, 1)),
    ],
)
def test_a_rule_cannot_be_used_before_its_law_took_effect(code, last_day_before, in_force) -> None:
    assert RULES[code].citation.in_force == in_force
    assert not_in_force_error(code, in_force) is None
    error = not_in_force_error(code, last_day_before)
    assert str(RULES[code].citation) in error and in_force.isoformat() in error
    assert "custom rule" in error


def test_a_2020_vote_cannot_cite_the_2024_collective_economic_organisations_law() -> None:
    """镇南村 voted in September 2020; 《农村集体经济组织法》 took effect on 2025-05-01."""
    with translation.override("zh-hans"):
        error = not_in_force_error("member_assembly", date(2020, 9, 1))
    assert "《农村集体经济组织法》第二十六、二十七条" in error and "2025-05-01" in error


def test_a_custom_rule_records_its_own_basis_and_is_never_out_of_force() -> None:
    rule = custom(None, approval=(2, 3), approval_inclusive=True, denominator=ELIGIBLE)
    assert rule.citation.in_force is None
    assert not_in_force_error(rule, date(1990, 1, 1)) is None
    assert not_in_force_error(CUSTOM, date(1990, 1, 1)) is None
