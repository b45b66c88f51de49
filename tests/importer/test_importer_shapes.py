"""Files of unusual shape (issue 30, items 3, 5 and 10), made by the tests: every JSON shape answered
in French with its line or path and the rule; mixed encodings refused with the lines of each;
bidirectional overrides and zero-width characters removed from names and counted in the report; a
password-protected workbook named as such. Nothing is written for a refused file."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from dashboard.importer import jsonshape, limits, reading, service
from dashboard.store import db
from tests.support import cli
from tests.support.importer import SCHOOLS, csv_bytes

SCHOOL_HEADER = ["uai", "nom", "type", "secteur", "commune_insee"]


def reason(data: bytes, name: str = "fichier.json") -> reading.UnreadableFile:
    with pytest.raises(reading.UnreadableFile) as caught:
        reading.read_file(data, name)
    return caught.value


# --- JSON ---------------------------------------------------------------------------------------------


def test_a_hundred_thousand_deep_list_is_refused_with_the_depth_rule():
    found = reason(b"[" * 100_000 + b"]" * 100_000)
    assert found.line == 1 and f"plus de {jsonshape.MAX_DEPTH} niveaux" in found.message


def test_a_five_thousand_deep_object_is_refused_with_its_line():
    body = "".join('{"a":\n' for _ in range(5000)) + "1" + "}" * 5000
    found = reason(('[{"uai": "0860001J"},\n' + body + "]").encode())
    assert found.line == 2 + jsonshape.MAX_DEPTH - 1  # the line where the depth passes the limit
    assert found.message.startswith(f"Ligne {found.line} : ") and "niveaux" in found.message


def test_brackets_inside_texts_do_not_count_as_depth():
    records = [{"uai": "0860001J", "nom": "[" * 50 + "{" * 50}]
    raw = reading.read_file(json.dumps(records).encode(), "x.json")
    assert raw.cells["c1"][0] == "[" * 50 + "{" * 50


def test_a_4400_digit_integer_is_refused_with_the_number_rule():
    found = reason(b'[{"uai": "0860001J",\n "effectif": ' + b"9" * 4400 + b"}]")
    assert found.line == 2 and "4\u202f400 chiffres" in found.message and jsonshape.NUMBER_RULE in found.message


@pytest.mark.parametrize(("record", "path", "rule"), [
    ({"model": "annuaire.ecole", "pk": [1, 2], "fields": {"nom": "x"}}, "[1].pk", "nombre ou un texte"),
    ({"model": "annuaire.ecole", "pk": {"id": 1}, "fields": {"nom": "x"}}, "[1].pk", "nombre ou un texte"),
    ({"model": "annuaire.ecole", "pk": 2, "fields": ["nom", "x"]}, "[1].fields", "un objet { nom : valeur }"),
    ({"model": ["annuaire.ecole"], "pk": 2, "fields": {"nom": "x"}}, "[1].model", "un texte"),
])
def test_a_django_fixture_of_the_wrong_types_is_refused_with_the_path(record, path, rule):
    fixture = [{"model": "annuaire.ecole", "pk": 1, "fields": {"nom": "Collège"}}, record]
    found = reason(json.dumps(fixture).encode())
    assert found.message.startswith(f"Enregistrement n° 2 (chemin {path})") and rule in found.message


def test_a_foreign_key_given_as_a_list_or_an_object_is_read_as_a_value():
    fixture = [
        {"model": "geo.departement", "pk": 86, "fields": {"numero": "86"}},
        {"model": "annuaire.ecole", "pk": 1, "fields": {"nom": "A", "departement": [86]}},
        {"model": "annuaire.ecole", "pk": 2, "fields": {"nom": "B", "departement": {"id": 86}}},
        {"model": "annuaire.ecole", "pk": 3, "fields": {"nom": "C", "departement": 86}},
    ]
    raw = reading.read_file(json.dumps(fixture).encode(), "fixture.json")
    assert raw.row_count == 3 and "departement.numero" in raw.headers


def test_malformed_json_names_its_line_and_column_in_french():
    found = reason(b'[{"uai": "0860001J",\n  "effectif": }]')
    assert found.line == 2 and found.message == (
        "Ligne 2 : ce fichier JSON est mal formé (une valeur est attendue, colonne 15).")


def test_json_shapes_through_validation_write_nothing(db_engine):
    data = b"[" * 100_000 + b"]" * 100_000
    result = service.import_file(db_engine, data, "profond.json")
    assert not result.written
    [problem] = result.report.issues.to_dicts()
    assert problem["regle"] == "fichier lisible" and problem["ligne"] == 1 and "niveaux" in problem["explication"]


def test_the_command_line_answers_every_json_shape_in_french(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    path = tmp_path / "ecoles.json"
    path.write_text(json.dumps([{"model": "a.b", "pk": [1], "fields": {}}]))
    done = cli.run_cli("dashboard.importer", str(path), "--database-url", url)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout and "Erreur inattendue" not in done.stderr
    assert "Enregistrement n° 1 (chemin [0].pk)" in done.stdout


# --- encodings ----------------------------------------------------------------------------------------


def test_mixed_encodings_are_refused_naming_the_lines_of_each(db_engine):
    rows = [f"{s['uai']};{s['nom']};{s['type']};{s['secteur']};{s['commune_insee']}\r\n" for s in SCHOOLS]
    data = (";".join(SCHOOL_HEADER) + "\r\n").encode() + rows[0].encode("utf-8") + rows[1].encode("cp1252") \
        + rows[2].encode("utf-8") + rows[3].encode("cp1252")
    result = service.import_file(db_engine, data, "melange.csv")
    assert not result.written
    [problem] = result.report.issues.to_dicts()
    assert problem["ligne"] == 2
    assert "lignes 2 et 4 en UTF-8, lignes 3 et 5 en Windows-1252" in problem["explication"]
    with db_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.etablissements)).scalar_one() == 0


def test_a_file_wholly_in_windows_1252_is_still_read():
    data = csv_bytes(SCHOOL_HEADER, [[s[c] for c in SCHOOL_HEADER] for s in SCHOOLS], encoding="cp1252")
    raw = reading.read_file(data, "ecoles.csv")
    assert raw.description.startswith("CSV, Windows-1252") and raw.cells["c1"][2] == "Collège Saint-Exupéry"


def test_many_lines_of_each_encoding_are_counted():
    data = b"uai;nom\r\n" + "0860001J;Collège\r\n".encode() * 12 + "0860002K;Lycée\r\n".encode("cp1252") * 3
    found = reason(data, "x.csv")
    assert "lignes 2, 3, 4, 5, 6, 7, 8, 9, 10, 11… (12 lignes) en UTF-8" in found.message
    assert "lignes 14, 15 et 16 en Windows-1252" in found.message


# --- invisible characters, protected workbooks ----------------------------------------------------------


INVISIBLE = {"\u202e": "forçage droite-à-gauche", "\u2066": "isolat", "\u200b": "espace de largeur nulle",
             "\u200d": "liant de largeur nulle", "\u2060": "gluon", "\ufeff": "BOM au milieu", "\u200f": "RLM"}


def test_bidi_overrides_and_zero_width_characters_are_removed_and_counted(db_engine):
    rows = [[s[c] for c in SCHOOL_HEADER] for s in SCHOOLS]
    rows[0][1] = "Coll\u202eège\u202c Les\u200b Castors"
    rows[1][1] = "\u2066Lycée\u2069 professionnel\u200d du\u2060 Clain\ufeff\u200f"
    result = service.import_file(db_engine, csv_bytes(SCHOOL_HEADER, rows), "ecoles.csv")
    assert result.written
    warnings = [p for p in result.report.issues.to_dicts() if p["regle"] == "caractère de contrôle"]
    assert [(w["ligne"], w["colonne"]) for w in warnings] == [(2, "nom"), (3, "nom")]
    assert "sens d'écriture" in warnings[0]["explication"] and "largeur nulle" in warnings[0]["explication"]
    with db_engine.connect() as conn:
        names = set(conn.execute(select(db.etablissements.c.nom)).scalars())
    assert {"Collège Les Castors", "Lycée professionnel du Clain"} <= names
    assert not any(ch in name for name in names for ch in INVISIBLE)


def test_french_spaces_are_kept():
    data = csv_bytes(["uai", "mois", "effectif", "eleves_absenteistes"], [["0860001J", "2015-01", "1\u202f020", "2\u00a0"]])
    raw = reading.read_file(data, "a.csv")
    assert raw.control_count == 0 and raw.cells["c2"][0] == "1\u202f020"


def test_a_password_protected_workbook_is_named_as_such():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    directory = "EncryptionInfo".encode("utf-16-le").ljust(128, b"\0") + "EncryptedPackage".encode("utf-16-le")
    found = reason(ole + directory.ljust(1024, b"\0"), "classeur.xlsx")
    assert found.message.startswith("Ce classeur est protégé par un mot de passe")
    assert "97-2003" not in found.message
    legacy = reason(ole + "Workbook".encode("utf-16-le").ljust(1024, b"\0"), "ancien.xls")
    assert "Excel 97-2003" in legacy.message


def test_json_limit_constants_are_far_above_real_files():
    assert jsonshape.MAX_DEPTH >= 10 and jsonshape.MAX_DIGITS >= 20 and limits.MAX_JSON_BYTES >= 20 * 1024 * 1024
