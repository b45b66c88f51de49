"""Column mapping: a file whose headers are not recognised is read through a mapping
— each contract column ↔ one of the file's columns, or a fixed value for every row — and, for
enumerations, a value mapping (« Collège » → COLLEGE). A mapping is saved under a name and
proposed again for any file with the same headers; the command line takes it as a JSON file
(``--correspondance FICHIER.json``).

The mapped file then goes through every rule of its kind: nothing is written until it passes.

JSON form (keys in French, as a data manager edits it)::

    {"nom": "Lycées (django)", "type_fichier": "etablissements",
     "colonnes": {"uai": "uai", "nom": "name", "commune_nom": "city", "code_postal": "zip_code"},
     "valeurs_fixes": {"secteur": "PUBLIC"},
     "valeurs": {"type": {"LYCÉE AGRICOLE X": "hors champ"}}}
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field, replace

import polars as pl
from sqlalchemy import Connection, Engine

from dashboard.importer import contracts, natures, parsing, schools
from dashboard.importer.contracts import CONTRACTS, ColumnSpec, squash
from dashboard.importer.reading import LINE, RawTable, UnreadableFile
from dashboard.store import db

META_KEY = "correspondances"
OUT_OF_FIELD = "hors champ"  # value-mapping target: the row is set aside (schools only)
SAMPLE = 500  # rows looked at to guess a column from its values
MAX_DISTINCT = 200  # distinct values offered in a value mapping


@dataclass(frozen=True)
class Mapping:
    kind: str
    columns: dict[str, str] = field(default_factory=dict)  # contract (or helper) column → file header
    fixed: dict[str, str] = field(default_factory=dict)  # contract column → value of every row
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # column → {file value: value}
    name: str = ""

    def to_dict(self) -> dict:
        return {"nom": self.name, "type_fichier": self.kind, "colonnes": self.columns,
                "valeurs_fixes": self.fixed, "valeurs": self.values}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, data: dict) -> Mapping:
        kind = data.get("type_fichier") or data.get("type")
        if kind not in CONTRACTS:
            raise ValueError(f"type de fichier inconnu : {kind!r} (attendu : {', '.join(CONTRACTS)})")
        known = set(target_names(kind))
        fixed = {str(k): str(v) for k, v in (data.get("valeurs_fixes") or {}).items() if v not in (None, "")}
        columns = {str(k): str(v) for k, v in (data.get("colonnes") or {}).items()
                   if v not in (None, "") and str(k) not in fixed}
        unknown = sorted((set(columns) | set(fixed)) - known)
        if unknown:
            raise ValueError(f"colonnes inconnues pour le type « {kind} » : {', '.join(unknown)}")
        values = {str(k): {str(a): str(b) for a, b in (v or {}).items()} for k, v in (data.get("valeurs") or {}).items()}
        return cls(kind, columns, fixed, values, str(data.get("nom") or ""))

    @classmethod
    def from_json(cls, text: str) -> Mapping:
        return cls.from_dict(json.loads(text))

    def apply(self, raw: RawTable) -> RawTable:
        """``raw`` with the mapped columns under their contract names, values translated, fixed
        values added; columns the mapping leaves out are dropped (they are not the file's data)."""
        positions = {h: i for i, h in reversed(list(enumerate(raw.headers)))}
        missing = [h for h in self.columns.values() if h not in positions]
        if missing:
            raise UnreadableFile(f"La correspondance{' « ' + self.name + ' »' if self.name else ''} désigne des "
                                 f"colonnes absentes de ce fichier : {', '.join(missing)}.")
        names = [n for n in target_names(self.kind) if n in self.columns or n in self.fixed]
        exprs = []
        for index, name in enumerate(names):
            if name in self.columns and name not in self.fixed:
                expr = pl.col(f"c{positions[self.columns[name]]}")
                table = self.values.get(name)
                if table:
                    stripped = expr.str.strip_chars()
                    expr = stripped.replace_strict(table, default=stripped, return_dtype=pl.String)
            else:
                expr = pl.lit(self.fixed[name], pl.String)
            exprs.append(expr.alias(f"c{index}"))
        cells = raw.cells.select(*exprs, LINE)
        described = f"{raw.description} — correspondance{' « ' + self.name + ' »' if self.name else ''}"
        return replace(raw, headers=names, cells=cells, overflow=(), description=described)


def target_specs(kind: str) -> list[ColumnSpec]:
    """The columns a mapping may fill: the contract's, plus the helpers of school lists."""
    specs = list(CONTRACTS[kind].columns)
    if kind == schools.KIND:
        specs += list(schools.AUX.columns)
    return specs


def target_names(kind: str) -> list[str]:
    return [s.name for s in target_specs(kind)]


TARGET_LABELS = {"departement_code": "code du département", "departement": "département (nom)",
                 "commune_nom": "nom de la commune", "code_postal": "code postal", "rep_plus": "REP+ (0/1)",
                 "etat": "état (ouvert, fermé)", "date_fermeture": "date de fermeture",
                 "annee": "année (rentrée, session)", "contrat_prive": "contrat (privé)",
                 "ministere": "ministère de tutelle"}


# --- the proposal ------------------------------------------------------------------------------------
#
# A column is proposed only when its header names it — exactly, whatever the case, the
# accents, the little words or the order of the words, through a documented alias (« EPLE »,
# « CFA », « Contrats »…), or abbreviated word by word (« Struct. innov. »). Values are never used
# to guess a column: six columns of counts all look alike, and a guess that swaps two of them
# passes every check. Any other column stays unassigned until the user chooses it.

SAMPLES_SHOWN = 3  # values shown beside a proposed or chosen column


def column_values(raw: RawTable, position: int, rows: int = SAMPLE) -> list[str]:
    series = raw.cells[f"c{position}"].head(rows).drop_nulls().str.strip_chars()
    return [v for v in series.to_list() if v]


def sample_values(raw: RawTable, header: str, count: int = SAMPLES_SHOWN) -> list[str]:
    """The first ``count`` filled values of the file column ``header``."""
    return column_values(raw, raw.headers.index(header), 200)[:count]


def header_matches(raw: RawTable, kind: str) -> dict[int, str]:
    """File position → column name, for the headers ``contracts.match_headers`` reads (exact names,
    aliases, little words ignored), the helper columns of school lists included."""
    if kind == schools.KIND:
        main, aux = schools.recognise(raw.headers)
        return {**main, **aux}
    return contracts.match_headers(raw.headers, CONTRACTS[kind])


def word_matches(raw: RawTable, kind: str, taken: dict[int, str]) -> dict[int, str]:
    """The other headers naming exactly one column in other words (order, abbreviations), when no
    other header names that column too."""
    free = [spec for spec in target_specs(kind) if spec.name not in taken.values()]
    found: dict[int, list[str]] = {}
    for pos, header in enumerate(raw.headers):
        if pos in taken or not header:
            continue
        names = [spec.name for spec in free if contracts.loose_match(header, spec)]
        if len(names) == 1:
            found[pos] = names
    claimed = [names[0] for names in found.values()]
    return {pos: names[0] for pos, names in found.items() if claimed.count(names[0]) == 1}


def propose(raw: RawTable, kind: str) -> Mapping:
    """The columns whose header names them (see above); the others are left to the user."""
    matched = header_matches(raw, kind)
    matched |= word_matches(raw, kind, matched)
    columns = {name: raw.headers[pos] for pos, name in sorted(matched.items())}
    mapping = Mapping(kind, columns)
    return replace(mapping, values=propose_values(raw, mapping))


def proposed_kind(headers: list[str]) -> str | None:
    """The kind the analysis of the headers recognised — the same one its report names (« S'il
    s'agit d'un fichier « Bilans bimestriels »… ») — or ``None`` when no header is recognised."""
    kind = contracts.guess_kind(headers) or contracts.likely_kind(headers)
    if kind is None and contracts.header_score(headers) > 0:
        closest = contracts.closest_kind(headers)
        kind = closest if contracts.required_share(headers, closest) > 0 else None
    return kind


def unassigned(mapping: Mapping) -> list[str]:
    """Required columns of the contract that the mapping leaves without a file column or a value."""
    chosen = set(mapping.columns) | set(mapping.fixed)
    optional = set()
    if mapping.kind == schools.KIND and {"commune_nom", "code_postal"} & chosen:
        optional.add("commune_insee")  # the commune is found from its name or postcode
    return [n for n in CONTRACTS[mapping.kind].required if n not in chosen and n not in optional]


def proposal_document(raw: RawTable, proposal: Mapping) -> dict:
    """The proposal as the JSON a data manager completes: every column of the kind (empty when
    unassigned), its default name, and the first values of each file column."""
    document = proposal.to_dict()
    document["nom"] = proposal.name or default_name(proposal.kind, raw.headers)
    document["colonnes"] = {name: proposal.columns.get(name, "") for name in target_names(proposal.kind)}
    document["exemples"] = {h: sample_values(raw, h) for h in raw.headers if h}
    return document


def default_name(kind: str, headers: list[str], limit: int = 80) -> str:
    """The name a saved mapping gets by default: its kind and the file's columns it reads
    (« Bilans bimestriels — Année scolaire, Date de fin, Réseau… »)."""
    label = CONTRACTS[kind].label
    shown = [h for h in headers if h]
    text = f"{label} — {', '.join(shown)}" if shown else label
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,") + "…"


def enum_targets(kind: str, name: str) -> list[str]:
    spec = next(s for s in target_specs(kind) if s.name == name)
    choices = list(spec.choices)
    if kind == schools.KIND and name in ("type", "secteur"):
        choices.append(OUT_OF_FIELD)
    return choices


def recognised_value(kind: str, spec: ColumnSpec, value: str) -> str | None:
    """The value the importer reads ``value`` as, without a value mapping (None: not understood)."""
    if kind == schools.KIND and spec.name == "type":
        found, out = natures.nature(value)
        return found or (OUT_OF_FIELD if out else None)
    if kind == schools.KIND and spec.name == "secteur":
        found, out = schools.sector(value)
        return OUT_OF_FIELD if out else found
    parsed, error = parsing.enum_parser(spec)(value)
    return parsed if error is None else None


def distinct_values(raw: RawTable, header: str) -> pl.DataFrame:
    """``valeur``, ``lignes`` of one file column (most frequent first, ``MAX_DISTINCT`` at most)."""
    position = raw.headers.index(header)
    series = raw.cells[f"c{position}"].str.strip_chars().drop_nulls()
    counts = series.filter(series != "").value_counts(sort=True, name="lignes")
    return counts.rename({counts.columns[0]: "valeur"}).head(MAX_DISTINCT)


def enum_specs(kind: str) -> list[ColumnSpec]:
    return [s for s in target_specs(kind) if s.kind == contracts.ENUM]


def propose_values(raw: RawTable, mapping: Mapping) -> dict[str, dict[str, str]]:
    """For each enumeration mapped to a file column, the values the importer would not understand
    alone, with a guess (a close choice) or an empty proposal."""
    out: dict[str, dict[str, str]] = {}
    for spec in enum_specs(mapping.kind):
        header = mapping.columns.get(spec.name)
        if header is None:
            continue
        table = {}
        for value in distinct_values(raw, header)["valeur"].to_list():
            if recognised_value(mapping.kind, spec, value) is None:
                close = difflib.get_close_matches(squash(value), [squash(c) for c in spec.choices], n=1, cutoff=0.75)
                table[value] = next((c for c in spec.choices if squash(c) in close), "")
        if table:
            out[spec.name] = table
    return out


# --- saved profiles ----------------------------------------------------------------------------------


def signature(headers: list[str]) -> str:
    """The headers of a file as a key (order, case and accents ignored)."""
    return "|".join(sorted({squash(h) for h in headers if h}))


def load_profiles(conn: Connection) -> dict[str, dict]:
    stored = db.get_meta(conn, META_KEY)
    try:
        profiles = json.loads(stored) if stored else {}
    except ValueError:
        return {}
    return profiles if isinstance(profiles, dict) else {}


def save_profile(engine: Engine, mapping: Mapping, headers: list[str]) -> None:
    """Save (or replace) the named mapping, remembered for files with these headers."""
    if not mapping.name.strip():
        raise ValueError("une correspondance enregistrée doit porter un nom")
    with engine.begin() as conn:
        profiles = load_profiles(conn)
        profiles[mapping.name.strip()] = {**mapping.to_dict(), "nom": mapping.name.strip(),
                                          "entetes": signature(headers)}
        db.set_meta(conn, META_KEY, json.dumps(profiles, ensure_ascii=False))


def profile_for(conn: Connection, headers: list[str]) -> Mapping | None:
    """The saved mapping made for files with exactly these headers (the latest saved)."""
    wanted = signature(headers)
    for data in reversed(list(load_profiles(conn).values())):
        if data.get("entetes") == wanted:
            try:
                return Mapping.from_dict(data)
            except ValueError:
                continue
    return None


def named_profile(conn: Connection, name: str) -> Mapping | None:
    data = load_profiles(conn).get(name)
    return Mapping.from_dict(data) if data else None


def profile_names(conn: Connection) -> list[str]:
    return sorted(load_profiles(conn))
