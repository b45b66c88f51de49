"""A directory listing a school once per site gives one school (issue 24): the rows of a
multi-site school (``etablissement_multi_lignes`` = 1) are merged into the main site's row, rows
repeated alike are one school, and a warning counts them. Tested on a small directory of the
académie and on the real *Annuaire de l'éducation* sample of Ille-et-Vilaine, imported into a
database whose académie is department 35 (a test-only breakdown built from the sample's own
communes: nothing fetched)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import insert, select

from dashboard.importer import report, service
from dashboard.store import db
from tests.support import ROOT
from tests.support.importer import csv_bytes

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md
REALDATA = Path(os.environ.get("DASHBOARD_REALDATA") or ROOT.parent / "shared" / "realdata")
SAMPLE = REALDATA / "annuaire_education_2023_ille-et-vilaine_second_degre_ECHANTILLON.csv"
HEADER = ["Identifiant_de_l_etablissement", "Nom_etablissement", "Type_etablissement", "Statut_public_prive",
          "Code_commune", "Code_departement", "Appartenance_Education_Prioritaire", "etablissement_multi_lignes",
          "code_nature", "libelle_nature"]


def schools(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(db.etablissements)).mappings().all()
    return {r["uai"]: dict(r) for r in rows}


def warnings(result, rule: str) -> list[str]:
    found = result.report.issues.filter((pl.col("regle") == rule) & (pl.col("gravite") == report.WARNING))
    return found["explication"].to_list()


def test_multi_site_rows_of_the_academie_become_one_school_each(db_engine):
    data = csv_bytes(HEADER, [
        ["0860001J", "Collège Jean Moulin", "Collège", "Public", "86194", "086", "REP", "0", "340", "COLLEGE"],
        ["0860002K", "Lycée professionnel Saint-Jacques", "Lycée", "Privé", "86194", "086", "", "1", "306",
         "LYCEE POLYVALENT"],
        ["0860002K", "Lycée polyvalent Saint-Jacques", "Lycée", "Privé", "86194", "086", "", "1", "306",
         "LYCEE POLYVALENT"],
        ["0860003L", "Collège Saint-Paul (annexe du collège Sainte-Marie)", "Collège", "Privé", "86066", "086", "",
         "1", "340", "COLLEGE"],
        ["0860003L", "Collège Sainte-Marie", "Collège", "Privé", "86165", "086", "", "1", "340", "COLLEGE"],
        ["0860001J", "Collège Jean Moulin", "Collège", "Public", "86194", "086", "REP", "0", "340", "COLLEGE"],
    ], encoding="cp1252")
    result = service.import_file(db_engine, data, "annuaire.csv")
    assert result.written, result.report.as_text()
    assert result.counts.added == 3
    stored = schools(db_engine)
    assert (stored["0860002K"]["nom"], stored["0860002K"]["type"]) == ("Lycée polyvalent Saint-Jacques", "LPO")
    assert (stored["0860003L"]["nom"], stored["0860003L"]["commune_insee"]) == ("Collège Sainte-Marie", "86165")
    [sites] = warnings(result, "établissement sur plusieurs lignes")[:1]
    assert "2 établissements figurent sur plusieurs lignes, une par site (4 lignes)" in sites
    assert "0860002K : ligne 4 retenue (son nom correspond à la nature de l'établissement), ligne 3 écartée" in sites
    assert "0860003L : ligne 6 retenue (l'autre site est une annexe), ligne 5 écartée" in sites
    alike = warnings(result, "établissement sur plusieurs lignes")[1]
    assert "1 établissement figure sur plusieurs lignes identiques" in alike and "0860001J : ligne 2 retenue" in alike
    assert dict(result.report.set_aside) == {"sites secondaires d'un même établissement": 2,
                                             "lignes répétées d'un même établissement": 1}
    again = service.import_file(db_engine, data, "annuaire.csv")
    assert again.written and not again.counts.any_change


def test_two_different_rows_for_one_uai_without_the_flag_are_still_refused(db_engine):
    data = csv_bytes(HEADER, [
        ["0860001J", "Collège Jean Moulin", "Collège", "Public", "86194", "086", "", "0", "340", "COLLEGE"],
        ["0860001J", "Collège Jean Zay", "Collège", "Public", "86194", "086", "", "0", "340", "COLLEGE"],
    ])
    result = service.import_file(db_engine, data, "annuaire.csv")
    assert not result.written
    assert result.report.issues.filter(pl.col("regle") == "lignes en conflit")["ligne"].to_list() == [3]


# --- the real sample, on a database whose académie is Ille-et-Vilaine ------------------------------------


@pytest.fixture
def rennes_engine(bare_engine):
    """Department 35 with the communes named by the sample itself, all in one test network."""
    if not SAMPLE.is_file():
        pytest.skip(f"échantillon réel de l'annuaire absent ({SAMPLE})")
    rows = list(csv.DictReader(io.StringIO(SAMPLE.read_bytes().decode("utf-8-sig")), delimiter=";"))
    communes = dict(sorted({r["Code_commune"]: r["Nom_commune"] for r in rows}.items()))
    with bare_engine.begin() as conn:
        conn.execute(insert(db.departements), [{"code": "35", "nom": "Ille-et-Vilaine"}])
        conn.execute(insert(db.communes), [{"insee": code, "nom": name, "departement_code": "35", "population": 0}
                                           for code, name in communes.items()])
        conn.execute(insert(db.territoires), [
            {"annee_debut": 0, "commune_insee": code, "reseau_code": "R35-TEST", "reseau_nom": "Réseau de test",
             "psad_code": "P35-TEST", "psad_nom": "PSAD de test", "departement_code": "35"} for code in communes])
    return bare_engine


def test_the_real_directory_imports_with_one_school_per_uai_twice(rennes_engine):
    data = SAMPLE.read_bytes()
    first = service.import_file(rennes_engine, data, SAMPLE.name)
    assert first.written, first.report.as_text(20)
    assert dict(first.report.set_aside) == {"hors champ": 33, "sites secondaires d'un même établissement": 3}
    assert first.counts.added == 210 - 33 - 3
    assert not first.report.issues.filter(pl.col("regle") == "lignes en conflit").height
    [merged] = warnings(first, "établissement sur plusieurs lignes")
    assert merged.startswith("3 établissements figurent sur plusieurs lignes, une par site (6 lignes)")
    stored = schools(rennes_engine)
    assert (stored["0352072M"]["nom"], stored["0352072M"]["type"]) == (
        "Lycée polyvalent Institution Saint-Malo La Providence", "LPO")
    assert (stored["0350852L"]["nom"], stored["0350852L"]["commune_insee"]) == ("Collège Saint-Joseph", "35047")
    assert (stored["0350778F"]["nom"], stored["0350778F"]["commune_insee"]) == ("Lycée Assomption", "35238")
    second = service.import_file(rennes_engine, data, SAMPLE.name)
    assert second.written and not second.counts.any_change
    assert schools(rennes_engine) == stored
