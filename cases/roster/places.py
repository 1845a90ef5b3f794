"""A row's village and cooperative (``_Places``), read alike for every kind of roster, and how
a message lists the known ones.
"""

from collections.abc import Callable, Iterable, Mapping

from cases.wording import join_list

from .cells import _name
from .messages import (
    _BLANK_MERGED,
    _BLANK_NEW_VILLAGE,
    _BLANK_NOTHING_ABOVE,
    _UNKNOWN_COOPERATIVE,
    _UNKNOWN_VILLAGE,
)


def _known_text(names: Iterable[str]) -> str:
    """The first ten names, joined as the language joins a list (、 in Chinese)."""
    names = sorted(names)
    if not names:
        return "—"
    return join_list(names[:10] + (["…"] if len(names) > 10 else []))


class _Places:
    """The village and cooperative of each row in turn, as every kind of roster names them:
    normalised (a roster names a handful, 100,000 times over: each cell is read once), filled
    down from the row above when asked (merged cells; a cooperative only within the same
    village), and checked against the known cooperatives.

    ``known_cooperatives``: village name → its cooperatives' names, or ``None`` for no check.
    Names are compared after normalisation (NFKC, spaces), as the rows carry them.
    """

    def __init__(
        self,
        written: Mapping[str, str],
        fill_down: bool,
        known_cooperatives: Mapping[str, Iterable[str]] | None,
    ):
        self.written = written
        self.fill_down = fill_down
        self.known = None
        if known_cooperatives is not None:
            self.known = {
                _name(village): {_name(c) for c in cooperatives}
                for village, cooperatives in known_cooperatives.items()
            }
        self.names: dict[str, str] = {}
        self.village = self.cooperative = ""
        # (village cell, cooperative cell) → (village, cooperative), for the pairs of cells
        # already read that name a known place by themselves: the rest of the file repeats them.
        self.places: dict[tuple[str, str], tuple[str, str]] = {}

    def read(
        self, village_cell: str, cooperative_cell: str, error: Callable[[str, object], None]
    ) -> tuple[str, str, bool]:
        """(village, cooperative, whether both are those of the row above); the problems go
        to ``error(column, message)``."""
        cells = (village_cell, cooperative_cell)
        place = self.places.get(cells)
        if place is not None:
            village, cooperative = place
            same = village == self.village and cooperative == self.cooperative
            self.village, self.cooperative = place
            return village, cooperative, same
        problems: list[tuple[str, object]] = []
        village, cooperative, same = self._read(village_cell, cooperative_cell, problems.append)
        for problem in problems:
            error(*problem)
        if not problems and village_cell.strip() and cooperative_cell.strip():
            self.places[cells] = (village, cooperative)
        return village, cooperative, same

    def _read(self, village_cell: str, cooperative_cell: str, problem) -> tuple[str, str, bool]:
        names, written, fill_down = self.names, self.written, self.fill_down
        village_above, cooperative_above = self.village, self.cooperative
        village = names.get(village_cell)
        if village is None:
            village = names[village_cell] = _name(village_cell)
        cooperative = names.get(cooperative_cell)
        if cooperative is None:
            cooperative = names[cooperative_cell] = _name(cooperative_cell)
        village_filled = False
        if not village:
            if fill_down and village_above:
                village, village_filled = village_above, True
            else:
                message = _BLANK_NOTHING_ABOVE if fill_down else _BLANK_MERGED
                problem(("village", message % {"column": written["village"]}))
        if not cooperative:
            if fill_down and cooperative_above and (village_filled or village == village_above):
                cooperative = cooperative_above
            elif fill_down and cooperative_above and village:
                problem(("cooperative", _BLANK_NEW_VILLAGE % {"column": written["cooperative"]}))
            else:
                message = _BLANK_NOTHING_ABOVE if fill_down else _BLANK_MERGED
                problem(("cooperative", message % {"column": written["cooperative"]}))
        self.village, self.cooperative = village, cooperative

        known = self.known
        if known is not None and village:
            if village not in known:
                known_text = _known_text(known)
                problem(("village", _UNKNOWN_VILLAGE % {"village": village, "known": known_text}))
            elif cooperative and cooperative not in known[village]:
                problem(
                    (
                        "cooperative",
                        _UNKNOWN_COOPERATIVE
                        % {
                            "village": village,
                            "cooperative": cooperative,
                            "known": _known_text(known[village]),
                        },
                    )
                )
        same = bool(village) and village == village_above and cooperative == cooperative_above
        return village, cooperative, same
