"""Checking a whole file before anything is written: columns, values, domain rules, duplicates.

``check(conn, data, filename, kind)`` reads the file, finds its kind, parses every cell, applies
the rules of ``rules`` and returns a ``Checked``: the typed rows (canonical column names plus
``_ligne``) and the ``Report``. Nothing here writes to the database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl
from sqlalchemy import Connection

from dashboard import fmt
from dashboard.importer import contracts, messages, plausibility, rules, sandbox, schools
from dashboard.importer.contracts import CONTRACTS, Contract
from dashboard.importer.parsing import clean_text, column_exprs, count_number
from dashboard.importer.reading import LINE, SEPARATOR_NAMES, RawTable, UnreadableFile
from dashboard.importer.references import References
from dashboard.importer.report import ERROR, WARNING, Issues, Report, hidden_frame

MAX_OVERFLOW = 50  # lines listed one by one when cells overflow the header


@dataclass(frozen=True)
class Checked:
    kind: str | None
    raw: RawTable | None
    rows: pl.DataFrame | None  # typed values, canonical names, ``_ligne``; None when unreadable
    report: Report

    @property
    def ok(self) -> bool:
        return self.report.ok


def check(conn: Connection, data: bytes, filename: str = "", kind: str | None = None, mapping=None) -> Checked:
    """Read and validate ``data`` (the whole file) against the database seen through ``conn``;
    ``mapping`` (``mapping.Mapping``): read the file through this column mapping."""
    if mapping is not None:
        kind = mapping.kind
    if kind is not None and kind not in CONTRACTS:
        raise ValueError(f"unknown kind {kind!r}")
    issues = Issues()
    try:
        raw = sandbox.read_isolated(data, filename, kind)  # in a capped child process
        if mapping is not None:
            raw = mapping.apply(raw)
    except UnreadableFile as exc:
        issues.add(exc.line, "", None, "fichier lisible", exc.message)
        return Checked(kind, None, None, Report(kind, issues.frame(), 0))
    kind = kind or contracts.guess_kind(raw.headers) or contracts.likely_kind(raw.headers)
    if kind is None:
        unknown_kind(raw, issues)
        return Checked(None, raw, None, Report(None, issues.frame(), raw.row_count, raw.description))
    contract = CONTRACTS[kind]
    refs = References(conn)
    set_aside: tuple = ()
    if kind == schools.KIND:
        prepared = schools.prepare(raw, refs, issues)
        optional = {n for n in ("commune_insee", "education_prioritaire") if n in prepared.positions}
        check_columns(raw, contract, issues, prepared.recognised, optional)
        data, positions, set_aside = prepared.raw, prepared.positions, prepared.set_aside
    else:
        positions = check_columns(raw, contract, issues)
        data = raw
    check_shape(raw, issues, data.row_count)
    report_controls(raw, issues)
    data = drop_stray_rows(data, issues)
    issues.hints.update(rules.code_hints(kind, refs))
    rows = rules.derive(kind, typed_rows(data, contract, positions, issues))
    rules.apply(kind, rows, refs, issues)
    plausibility.check(kind, rows, issues, file_headers(issues, mapping))
    check_duplicates(rows, contract, issues)
    report = Report(kind, issues.frame(), raw.row_count, raw.description, hidden_frame(issues), set_aside)
    return Checked(kind, raw, rows, report)


def file_headers(issues: Issues, mapping) -> dict[str, str]:
    """Each column's header as written in the file (through the mapping when there is one)."""
    if mapping is None:
        return dict(issues.headers)
    return {**issues.headers, **mapping.columns}


def unknown_kind(raw: RawTable, issues: Issues) -> None:
    if contracts.header_score(raw.headers) == 0:
        issues.add(None, "", None, "type de fichier",
                   "Aucun des en-têtes de colonnes attendus n'a été trouvé en haut du tableau : ce fichier "
                   "n'est pas un des fichiers que le tableau de bord sait importer, ou ses en-têtes ont été "
                   "renommés. Partez du modèle téléchargeable de la page d'import.")
        return
    closest = CONTRACTS[contracts.closest_kind(raw.headers)]
    found = set(contracts.match_headers(raw.headers, closest).values())
    missing = [c for c in closest.required if c not in found]
    issues.add(
        raw.header_line, "", None, "type de fichier",
        "Le type de fichier n'a pas pu être reconnu d'après les en-têtes de colonnes. "
        f"S'il s'agit d'un fichier « {closest.label} », il y manque les colonnes : {', '.join(missing)}. "
        "Choisissez le type de fichier ou partez du modèle téléchargeable.",
    )


MAX_UNKNOWN_LISTED = 10  # unknown columns warned one by one; beyond, one warning lists them


def check_columns(raw: RawTable, contract: Contract, issues: Issues, recognised: dict[int, str] | None = None,
                  optional: set[str] = frozenset()) -> dict[str, int]:
    """Canonical name → position; missing, duplicated and unknown columns reported. ``recognised``:
    positions read by other means (helper columns of an official file); ``optional``: required
    columns given another way (a commune by its name)."""
    matched = contracts.match_headers(raw.headers, contract)
    positions = {name: pos for pos, name in matched.items()}
    issues.headers.update({name: raw.headers[pos] for name, pos in positions.items()})
    recognised = recognised or {}
    unknown = []
    for spec in contract.columns:
        if spec.required and spec.name not in positions and spec.name not in optional:
            issues.add(raw.header_line, spec.name, None, "colonne obligatoire",
                       f"La colonne « {spec.name} » est obligatoire et absente du fichier "
                       f"({spec.description.rstrip('.')}).")
    for pos, header in enumerate(raw.headers):
        if pos in matched or pos in recognised:
            continue
        twin = contracts.match_headers([header], contract)
        if twin and twin[0] in recognised.values():
            continue
        if not twin and contracts.is_informative(header, contract):
            continue  # written for the reader (a network's name beside its code), not imported
        if twin:
            issues.add(raw.header_line, header, header, "colonne en double",
                       f"La colonne « {issues.headers.get(twin[0], twin[0])} » apparaît deux fois ; "
                       "une seule est attendue.")
        elif header:
            unknown.append(header)
        elif raw.cells[f"c{pos}"].str.strip_chars().replace("", None).drop_nulls().len():
            issues.add(raw.header_line, f"colonne n° {pos + 1}", None, "colonne sans en-tête",
                       "Cette colonne contient des valeurs mais pas d'en-tête : elle est ignorée.", WARNING)
    if len(unknown) > MAX_UNKNOWN_LISTED:
        issues.add(raw.header_line, "", None, "colonne inconnue",
                   f"{fmt.integer(len(unknown))} colonnes n'appartiennent pas au type « {contract.label} » et sont "
                   f"ignorées : {', '.join(unknown)}.", WARNING)
    else:
        for header in unknown:
            issues.add(raw.header_line, header, header, "colonne inconnue",
                       f"Cette colonne n'appartient pas au type « {contract.label} » : elle est ignorée.", WARNING)
    return positions


def check_shape(raw: RawTable, issues: Issues, kept: int | None = None) -> None:
    """No data at all, or values beyond the last header (in a CSV: a separator problem); ``kept``:
    rows left once the rows outside the académie or the field are set aside."""
    if raw.row_count == 0:
        issues.add(raw.header_line, "", None, "lignes de données",
                   "Le fichier ne contient aucune ligne de données sous les en-têtes.")
    elif kept == 0:
        issues.add(None, "", None, "lignes de données",
                   "Aucune ligne de ce fichier ne concerne l'académie et son champ : il n'y a rien à importer.",
                   WARNING)
    for line in raw.overflow[:MAX_OVERFLOW]:
        if raw.is_csv:
            issues.add(line, "", None, "nombre de cellules",
                       "Cette ligne a plus de cellules que d'en-têtes : un séparateur en trop, ou un nombre à "
                       "virgule décimale non entouré de guillemets dans un fichier séparé par des virgules ?")
        else:
            issues.add(line, "", None, "cellules hors du tableau",
                       "Des valeurs à droite de la dernière colonne nommée sont ignorées.", WARNING)
    if len(raw.overflow) > MAX_OVERFLOW:
        issues.add(None, "", None, "nombre de cellules" if raw.is_csv else "cellules hors du tableau",
                   f"… et {fmt.integer(len(raw.overflow) - MAX_OVERFLOW)} autres lignes dans ce cas.",
                   ERROR if raw.is_csv else WARNING)


def report_controls(raw: RawTable, issues: Issues) -> None:
    """Control characters (invisible bytes such as \\x01) were removed from these cells when read."""
    for line, position in raw.controls:
        header = raw.headers[position] if position < len(raw.headers) else f"colonne n° {position + 1}"
        issues.add(line, header or f"colonne n° {position + 1}", None, "caractère de contrôle",
                   "Cette cellule contenait des caractères invisibles (caractères de contrôle, marques de sens "
                   "d'écriture ou espaces de largeur nulle, souvent copiés depuis une autre application) : ils ont été "
                   "supprimés.", WARNING)
    hidden = raw.control_count - len(raw.controls)
    if hidden > 0:
        issues.add(None, "", None, "caractère de contrôle",
                   f"… et {fmt.integer(hidden)} autres cellules dans ce cas (caractères supprimés).", WARNING)


TOTAL_LABELS = ("total", "totaux", "soustotal", "ensemble", "cumul")


def drop_stray_rows(raw: RawTable, issues: Issues) -> RawTable:
    """Rows that are not data: a total (first filled cell « Total », « Ensemble »…) or a single
    filled cell (a note or a title under the table). Each is reported once, then left out of the
    other checks (each of its cells would give a confusing error)."""
    names = [c for c in raw.cells.columns if c != LINE]
    if not names:
        return raw
    filled = [pl.col(n).is_not_null() & (pl.col(n).str.strip_chars() != "") for n in names]
    first = pl.coalesce([pl.when(f).then(pl.col(n)) for f, n in zip(filled, names, strict=True)])
    label = first.str.to_lowercase().str.replace_all(r"[^a-zà-ÿ]", "")
    is_total = (label.is_in(TOTAL_LABELS) | label.str.starts_with("total") | label.str.starts_with("soustotal"))
    marked = raw.cells.with_columns(
        first.alias("_premiere"), is_total.fill_null(False).alias("_total"),
        (pl.sum_horizontal(filled) == 1).alias("_seule"),
    )
    totals = marked.filter(pl.col("_total"))
    issues.add_rows(totals, "", "ligne de total",
                    lambda _r: "Cette ligne ressemble à une ligne de total : le fichier ne doit contenir que des "
                               "lignes de données. Supprimez-la (le tableau de bord calcule lui-même les totaux).",
                    value=lambda r: r["_premiere"])
    if len(names) > 1:
        notes = marked.filter(pl.col("_seule") & ~pl.col("_total"))
        issues.add_rows(notes, "", "ligne incomplète", lambda r: lone_cell(r["_premiere"], raw),
                        value=lambda r: r["_premiere"])
        marked = marked.with_columns((pl.col("_total") | pl.col("_seule")).alias("_total"))
    if not marked["_total"].any():
        return raw
    return replace(raw, cells=raw.cells.filter(~marked["_total"]))


def lone_cell(text: str, raw: RawTable) -> str:
    """Why a row holds a single filled cell: another separator than the file's, or a note."""
    if raw.is_csv:
        for separator, name in ((";", "points-virgules"), (",", "virgules"), ("\t", "tabulations")):
            if text.count(separator) >= 2 and f"séparateur {SEPARATOR_NAMES[separator]}" not in raw.description:
                return (f"Toute la ligne tient dans une cellule : elle semble séparée par des {name}, alors que le "
                        f"fichier ne l'est pas ({raw.description}). Enregistrez tout le fichier avec un seul "
                        "séparateur.")
    return "Une seule cellule est remplie sur cette ligne : une note ou un titre sous le tableau ? Supprimez la " \
           "ligne ou complétez-la."


def typed_rows(raw: RawTable, contract: Contract, positions: dict[str, int], issues: Issues) -> pl.DataFrame:
    """Parse every cell; report unparseable values and empty required cells.

    Each contract column ``x`` comes out typed (null when empty or invalid), with the text as read
    in ``x__brut`` and the error code in ``x__err``. Absent columns are all null."""
    text = raw.cells.select(
        *[clean_text(f"c{positions[spec.name]}").alias(spec.name) if spec.name in positions
          else pl.lit(None, pl.String).alias(spec.name) for spec in contract.columns],
        LINE,
    )
    counts = [spec.name for spec in contract.columns if spec.kind == contracts.COUNT]
    text = text.with_columns(count_number(name) for name in counts)
    exprs = []
    for spec in contract.columns:
        value, error = column_exprs(text, spec)
        exprs += [value.alias(spec.name), error.alias(f"{spec.name}__err"), pl.col(spec.name).alias(f"{spec.name}__brut")]
    rows = text.with_columns(exprs).drop(f"{name}__num" for name in counts)
    for spec in contract.columns:
        label = issues.headers.get(spec.name, spec.name)
        report_parse_errors(rows, spec, label, issues)
        if spec.required and spec.name in positions:
            empty = rows.filter(pl.col(f"{spec.name}__brut").is_null())
            issues.add_rows(empty, spec.name, "valeur obligatoire",
                            lambda _r, s=spec, n=label: f"Cellule vide : « {n} » est obligatoire ({s.format_help}).")
    return rows


def report_parse_errors(rows: pl.DataFrame, spec, label: str, issues: Issues) -> None:
    bad = rows.filter(pl.col(f"{spec.name}__err").is_not_null())
    if bad.is_empty():
        return
    hint = issues.hints.get(spec.name) if spec.kind == contracts.CODE else None
    for code, group in bad.group_by(f"{spec.name}__err", maintain_order=True):
        rule, explain = messages.PARSE_ERRORS[code[0]]
        issues.add_rows(group, spec.name, rule, lambda r, e=explain, s=spec, n=label: e(r[f"{s.name}__brut"], s, n)
                        + (hint(r[f"{s.name}__brut"]) if hint else ""))


def check_duplicates(rows: pl.DataFrame, contract: Contract, issues: Issues) -> None:
    """Rows with the same natural key: identical (double) or different (conflict)."""
    key = list(contract.key)
    values = [c for c in contract.names if c not in key]
    keyed = rows.select(*key, *values, LINE, *[f"{k}__brut" for k in key if f"{k}__brut" in rows.columns]).filter(
        pl.all_horizontal(pl.col(k).is_not_null() for k in key))
    if keyed.is_empty():
        return
    marked = keyed.sort(LINE).with_columns(
        pl.struct(values).hash().alias("_hash") if values else pl.lit(0, pl.UInt64).alias("_hash"),
    ).with_columns(
        pl.col(LINE).first().over(key).alias("_premiere"),
        pl.col("_hash").first().over(key).alias("_hash_premiere"),
    ).filter(pl.col(LINE) != pl.col("_premiere"))
    label = " + ".join(f"« {issues.headers.get(k, k)} »" for k in key)
    same = marked.filter(pl.col("_hash") == pl.col("_hash_premiere"))
    differ = marked.filter(pl.col("_hash") != pl.col("_hash_premiere"))
    shown = " + ".join(issues.headers.get(k, k) for k in key)
    key_text = lambda r: " / ".join(str(r[k]) for k in key)  # noqa: E731
    issues.add_rows(same, shown, "ligne en double",
                    lambda r: f"Cette ligne répète la ligne {r['_premiere']} (même {label} : {key_text(r)}).",
                    value=key_text)
    issues.add_rows(differ, shown, "lignes en conflit",
                    lambda r: f"Même {label} ({key_text(r)}) que la ligne {r['_premiere']}, avec des valeurs "
                              "différentes : une seule ligne par clé est permise.",
                    value=key_text)
