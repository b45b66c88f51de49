"""What a file is checked against, read from the database once per validation (never per row)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import Connection, select

from dashboard.importer.contracts import squash
from dashboard.store import db
from queries import territoires as tq

SUGGESTION_LIMIT = 200  # distinct unknown values that get a "did you mean" (difflib is O(n) each)


@dataclass
class References:
    """Lazy, memoised look-ups on one connection."""

    conn: Connection
    _cache: dict = field(default_factory=dict)

    def _memo(self, key, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def communes(self) -> pl.DataFrame:
        """insee, nom, departement_code of every commune."""
        def load() -> pl.DataFrame:
            c = db.communes
            rows = self.conn.execute(select(c.c.insee, c.c.nom, c.c.departement_code)).all()
            return pl.DataFrame(rows, schema=["insee", "nom", "departement_code"], orient="row")

        return self._memo("communes", load)

    def commune_codes(self) -> set[str]:
        return self._memo("commune_codes", lambda: set(self.communes()["insee"].to_list()))

    def department_codes(self) -> set[str]:
        return self._memo(
            "departements", lambda: set(self.conn.execute(select(db.departements.c.code)).scalars())
        )

    def networks(self, annee_scolaire: str) -> set[str]:
        """Network codes of the breakdown in force that school year."""
        return self._memo(
            ("networks", annee_scolaire),
            lambda: set(tq.network_tree(self.conn, annee_scolaire)["reseau_code"].to_list()),
        )

    def all_networks(self) -> set[str]:
        """Network codes of every breakdown loaded."""
        return self._memo(
            "all_networks",
            lambda: set(self.conn.execute(select(db.territoires.c.reseau_code).distinct()).scalars()),
        )

    def territories(self, annee_scolaire: str) -> set[str]:
        """ACAD, department, PSAD and network codes of that school year."""
        return self._memo(
            ("territories", annee_scolaire), lambda: set(tq.territory_index(self.conn, annee_scolaire))
        )

    def territory_names(self, annee_scolaire: str, networks_only: bool = False) -> dict[str, str]:
        """Code → name of the territories (or only the networks) of that school year, as a
        suggestion shows them: a network by its name, any other territory with its level."""
        def load() -> dict[str, str]:
            index = tq.territory_index(self.conn, annee_scolaire)
            return {code: t.nom if t.niveau == "reseau" else t.label for code, t in index.items()
                    if not networks_only or t.niveau == "reseau"}

        return self._memo(("territory_names", annee_scolaire, networks_only), load)

    def all_network_names(self) -> dict[str, str]:
        """Code → name of the networks of every breakdown loaded (the latest name of each)."""
        def load() -> dict[str, str]:
            t = db.territoires
            rows = self.conn.execute(select(t.c.reseau_code, t.c.reseau_nom, t.c.annee_debut).distinct()).all()
            return {code: name for code, name, _year in sorted(rows, key=lambda r: r[2])}

        return self._memo("all_network_names", load)

    def breakdown_years(self) -> list[str]:
        """One school year in force for each breakdown loaded (2000-2001 for the default one)."""
        def load() -> list[str]:
            starts = self.conn.execute(select(db.territoires.c.annee_debut).distinct()).scalars()
            return [f"{max(y, 2000)}-{max(y, 2000) + 1}" for y in sorted(starts)]

        return self._memo("breakdown_years", load)

    def schools(self) -> set[str]:
        return self._memo("schools", lambda: set(self.conn.execute(select(db.etablissements.c.uai)).scalars()))

    def bilans(self, years: list[str]) -> pl.DataFrame:
        """Bilans already in the database for these school years."""
        b = db.bilans
        columns = ["reseau_code", "periode_fin", "annee_scolaire", *db.BILAN_COUNT_COLUMNS]
        rows = self.conn.execute(select(*[b.c[c] for c in columns]).where(b.c.annee_scolaire.in_(years))).all()
        schema = {c: (pl.Int64 if c in db.BILAN_COUNT_COLUMNS else pl.String) for c in columns}
        return pl.DataFrame(rows, schema=schema, orient="row")

    def enrolments(self, years: list[str]) -> pl.DataFrame:
        """uai, mois, ``_effectif``: enrolment per school and month from the absenteeism data loaded."""
        a = db.absenteisme
        rows = self.conn.execute(select(a.c.uai, a.c.mois, a.c.effectif).where(a.c.annee_scolaire.in_(years))).all()
        return pl.DataFrame(rows, schema={"uai": pl.String, "mois": pl.String, "_effectif": pl.Int64}, orient="row")

    def prevention(self, years: list[str]) -> pl.DataFrame:
        """GPDS activity already in the database for these school years."""
        p = db.prevention
        columns = ["uai", "mois", "annee_scolaire", *db.PREVENTION_COUNT_COLUMNS]
        rows = self.conn.execute(select(*[p.c[c] for c in columns]).where(p.c.annee_scolaire.in_(years))).all()
        schema = {c: (pl.Int64 if c in db.PREVENTION_COUNT_COLUMNS else pl.String) for c in columns}
        return pl.DataFrame(rows, schema=schema, orient="row")

    def used_networks(self, from_year: int) -> set[str]:
        """Networks that bilans refer to, from that year of rentrée on."""
        first = f"{from_year}-{from_year + 1}" if from_year else "0000"
        stmt = select(db.bilans.c.reseau_code).where(db.bilans.c.annee_scolaire >= first).distinct()
        return set(self.conn.execute(stmt).scalars())


class Suggester:
    """"Vouliez-vous dire … ?" for near misses, computed once per distinct value."""

    def __init__(self, candidates, prefix_length: int = 0) -> None:
        self.candidates = sorted(str(c) for c in candidates)
        self.prefix_length = prefix_length
        self._done: dict[str, str | None] = {}

    def __call__(self, value: str | None) -> str | None:
        if value is None:
            return None
        if value not in self._done:
            if len(self._done) >= SUGGESTION_LIMIT:
                return None
            pool = self.candidates
            if self.prefix_length:
                pool = [c for c in pool if c[: self.prefix_length] == value[: self.prefix_length]] or pool
            found = difflib.get_close_matches(value, pool, n=1, cutoff=0.6)
            self._done[value] = found[0] if found else None
        return self._done[value]

    def hint(self, value: str | None) -> str:
        """`` Vouliez-vous dire « X » ?`` or an empty string."""
        best = self(value)
        return f" Vouliez-vous dire « {best} » ?" if best else ""


class TerritorySuggester:
    """« Vouliez-vous dire « R17-ROY » (Royan) ? » for a territory code that does not exist: the
    territory whose name the value is (« Royan », « haute saintonge »), else a near code, else a
    near name. Two territories may share a name (network and PSAD « Poitiers »): both are named."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.codes = Suggester(names)
        self.by_name: dict[str, list[str]] = {}
        for code, name in sorted(names.items()):
            self.by_name.setdefault(squash(name), []).append(code)
            self.by_name.setdefault(squash(_bare(name)), []).append(code)
        self.by_name = {k: list(dict.fromkeys(v)) for k, v in self.by_name.items() if k}

    def __call__(self, value: str | None) -> list[str]:
        if not value:
            return []
        key = squash(value)
        if key in self.by_name:
            return self.by_name[key][:2]
        code = self.codes(str(value).strip().upper())
        if code:
            return [code]
        close = difflib.get_close_matches(key, list(self.by_name), n=1, cutoff=0.8)
        return self.by_name[close[0]][:2] if close else []

    def hint(self, value: str | None) -> str:
        found = self(value)
        if not found:
            return ""
        return " Vouliez-vous dire " + " ou ".join(f"« {c} » ({self.names[c]})" for c in found) + " ?"


def _bare(label: str) -> str:
    """A label without its level (« PSAD Poitiers » → « Poitiers », « Vienne (86) » → « Vienne »)."""
    for prefix in ("PSAD ", "Réseau "):
        if label.startswith(prefix):
            label = label[len(prefix):]
    return label.split(" (")[0]
