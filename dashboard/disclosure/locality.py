"""The unknowns grouped by where they lie (the department of their network): at national scale a
masked value is first bounded in its own departments (``Locality``), a small linear programme,
before the whole family's (``disclosure.audit``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

from dashboard.disclosure.bounds import FamilyModel, published_rows
from dashboard.disclosure.cells import Cell, Var

#: From this many departments on (national scale, ``Locality.wide``), a finding bounded by values
#: lying whole in its department is taken as it stands; an académie (4 departments) is decided
#: exactly as without locality.
WIDE_FROM_GROUPS = 20
#: At national scale, the partner departments a department's masked value is first bounded with.
PARTNERS = 3


class Locality:
    """The unknowns grouped by where they lie (the department of their network), with their true
    values.

    A masked value is first bounded in a system restricted to its own groups, every other unknown
    fixed at its true value. That system's solutions are solutions of the whole one (the true flows
    satisfy both), so an interval at least the protection width there is at least as wide in the
    whole system: a proof of protection at the cost of a small linear programme. At national scale
    (a hundred departments) most masked values are settled so. A value narrower there is bounded in
    its whole family (``audit``)."""

    def __init__(self, cells: Sequence[Cell], truth: Mapping[Var, float], group: Callable[[Var], str]):
        self.truth = truth
        self._groups: dict[int, frozenset] = {}
        self._slices: dict[int, dict[str, dict[Var, float]]] = {}
        self._members: dict[tuple[str, str], list[Cell]] = defaultdict(list)
        self._family_groups: dict[str, set] = defaultdict(set)
        self._family_cells: dict[str, list[Cell]] = defaultdict(list)
        self._whole_models: dict[str, FamilyModel] = {}
        self._atoms: dict | None = None
        #: the last model of each kind and set of groups, with the masks it was built for
        self._models: dict[tuple, tuple[frozenset, FamilyModel]] = {}
        networks: dict[tuple[str, str], set] = defaultdict(set)  # (group, year) → its networks
        for var in truth:
            networks[(group(var), var[0])].add(var[1])
        self._covering: set[int] = set()  # cells covering a whole group: bounded in the whole system
        for cell in cells:
            self._family_cells[cell.family].append(cell)
            slices: dict[str, dict[Var, float]] = defaultdict(dict)
            for var, coefficient in cell.coefficients.items():
                slices[group(var)][var] = coefficient
            self._groups[id(cell)] = frozenset(slices)
            if len(slices) > 1:
                self._slices[id(cell)] = dict(slices)
            for name, part in slices.items():
                self._members[(cell.family, name)].append(cell)
                years = {v[0] for v in part}
                if any({v[1] for v in part if v[0] == y} >= networks[(name, y)] for y in years):
                    self._covering.add(id(cell))
            self._family_groups[cell.family] |= set(slices)
        #: many groups (national scale, ``WIDE_FROM_GROUPS``)
        self.wide = max((len(g) for g in self._family_groups.values()), default=0) >= WIDE_FROM_GROUPS

    def is_local(self, family: str, cell: Cell) -> bool:
        """True when ``cell`` lies in some of its family's groups, not all, and covers none of them
        (a department's own values are protected by its neighbours: bounded in the whole system)."""
        groups = self._groups.get(id(cell))
        return (groups is not None and id(cell) not in self._covering
                and len(groups) < len(self._family_groups[family]))

    def whole(self, family: str, masked: set) -> FamilyModel:
        """The whole family's model without the masked rows, built afresh for each audit (a model
        kept through the rounds with its masked rows freed was seen to trust narrow values at
        national scale)."""
        return FamilyModel(published_rows(self._family_cells[family], masked))

    def groups(self, cell: Cell) -> frozenset:
        return self._groups[id(cell)]

    def _kept(self, kind: str, family: str, groups: frozenset, masked: set) -> tuple[tuple, FamilyModel | None]:
        """The model of ``kind`` last built for ``groups`` when the masks among their values are the
        same (the suppression masks a few values per round: most departments' models are unchanged)."""
        hidden = frozenset(m.atom for name in groups for m in self._members[(family, name)] if m.atom in masked)
        key = (kind, family, groups)
        kept = self._models.get(key)
        return key + (hidden,), (kept[1] if kept is not None and kept[0] == hidden else None)

    def model(self, family: str, groups: frozenset, masked: set) -> FamilyModel:
        """The published values of ``groups`` (not in ``masked``), the other unknowns fixed at their
        true values."""
        key, kept = self._kept("inner", family, groups, masked)
        if kept is not None:
            return kept
        origins, seen = [], set()
        for name in sorted(groups):
            for member in self._members[(family, name)]:
                if member.atom in masked or member.atom in seen:
                    continue
                seen.add(member.atom)
                origins.append(member)
        model = FamilyModel([self._restricted(member, groups) for member in origins])
        model.origins = origins  # the published value each row stands for
        self._models[key[:3]] = (key[3], model)
        return model

    def counterparts(self, family: str, masked: set) -> dict:
        """The masked values of ``family`` lying in one group, by (year, kind, period, column): the
        same figure masked in other departments, largest first (its own ``with_partners``)."""
        out = defaultdict(list)
        seen = set()
        for cell in self._family_cells[family]:
            if cell.atom in masked and cell.atom not in seen and len(self._groups[id(cell)]) == 1:
                seen.add(cell.atom)
                k = cell.key
                out[(k.annee, k.kind, k.periode, k.column)].append((-cell.value, next(iter(self._groups[id(cell)]))))
        return {k: sorted(v) for k, v in out.items()}

    def with_partners(self, cell: Cell, counterparts: dict, limit: int = PARTNERS) -> frozenset | None:
        """``cell``'s groups and up to ``limit`` departments where the same figure is masked too (a
        department's value masked can move only against the same value of another department, the
        académie's figure being published), or None when there is none."""
        groups = self._groups[id(cell)]
        k = cell.key
        extra = []
        for _v, g in counterparts.get((k.annee, k.kind, k.periode, k.column), ()):
            if g not in groups and g not in extra:
                extra.append(g)
                if len(extra) >= limit:
                    break
        return frozenset(groups | set(extra)) if extra else None

    def outer(self, family: str, groups: frozenset, masked: set) -> FamilyModel:
        """A relaxation of the whole family for a value of ``groups``: the published values lying whole
        inside ``groups``, and each published value reaching beyond them whose part outside is made of
        published values (it then says exactly what its part inside sums to). Every row is implied by
        what is published, so an interval narrower than the width here is narrower in the whole system;
        ``sources`` gives the published values each row stands for."""
        key, kept = self._kept("outer", family, groups, masked)
        if kept is not None and all(a not in masked for a in kept.outside):
            return kept
        rows, sources, seen = [], [], set()
        for name in sorted(groups):
            for member in self._members[(family, name)]:
                if member.atom in masked or member.atom in seen:
                    continue
                if self._groups[id(member)] <= groups:
                    seen.add(member.atom)
                    rows.append(member)
                    sources.append((member,))
                    continue
                if not member.count:
                    continue
                outside = self._published_parts(family, member, groups, masked)
                if outside is not None:
                    seen.add(member.atom)
                    rows.append(self._restricted(member, groups))
                    sources.append((member, *outside))
        model = FamilyModel(rows)
        model.sources = sources
        model.outside = [c.atom for row in sources for c in row[1:]]  # published outside: still so to reuse it
        self._models[key[:3]] = (key[3], model)
        return model

    def _published_parts(self, family: str, cell: Cell, groups: frozenset, masked: set):
        """The published values making up ``cell``'s part outside ``groups``, or None."""
        if self._atoms is None:
            self._atoms = {}
            for other in self._family_cells_all():
                self._atoms.setdefault(other.atom, other)
        out = []
        for name, part in self._slices[id(cell)].items():
            if name in groups:
                continue
            atom = (tuple(sorted(part)),)
            other = self._atoms.get(atom)
            if other is None or atom in masked:
                return None
            out.append(other)
        return out

    def _family_cells_all(self):
        for members in self._family_cells.values():
            yield from members

    def _restricted(self, cell: Cell, groups: frozenset) -> Cell:
        slices = self._slices.get(id(cell))
        if slices is None or self._groups[id(cell)] <= groups:
            return cell
        coefficients = {v: w for name in groups & self._groups[id(cell)] for v, w in slices[name].items()}
        value = sum(w * self.truth[v] for v, w in coefficients.items())
        return Cell(cell.key, coefficients, value, cell.rounding, cell.count, cell.atom, cell.offset,
                    cell.family_name)
