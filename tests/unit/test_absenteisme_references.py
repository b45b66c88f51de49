"""National reference rates (``dashboard/data/references_nationales.csv``): the DEPP's published
values for every year they exist, checked against the transcription kept in
``../shared/reference/`` (skipped when absent), the publication named on every row, estimates only
where nothing is published (LPO, EREA), and the Méthodologie table."""

from __future__ import annotations

import csv

import pytest

from queries import absenteisme_references as r
from tests.support import ROOT

SHARED = ROOT.parent / "shared" / "reference" / "depp_absenteisme_annuel_publie.csv"
NBSP = "\u00a0"


def _shared_rows() -> list[dict]:
    if not SHARED.exists():
        pytest.skip(f"Fichier des valeurs publiées absent : {SHARED}")
    with SHARED.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_every_published_value_is_in_the_file_and_nothing_else_is_called_published():
    published = {(row["annee_scolaire"], row["type"]): row for row in
                 r.load_references().filter(r.load_references()["statut"] == r.PUBLISHED).iter_rows(named=True)}
    source = {}
    for row in _shared_rows():
        label = {"LEGT": "LGT", "LEGT+LPO": "LGT+LPO"}.get(row["type_etablissement"], row["type_etablissement"])
        source[(row["annee_scolaire"], label)] = float(row["taux_absenteisme_pct"].replace(",", ".")) / 100
    assert set(published) == set(source)  # every published value, and only those, marked « publié »
    for key, rate in source.items():
        assert published[key]["taux"] == pytest.approx(rate), key
    years = {year for year, _ in source}
    assert {"2012-2013", "2014-2015", "2015-2016", "2016-2017", "2017-2018", "2020-2021", "2021-2022"} <= years
    assert r.references_for("2016-2017")["COLLEGE"]["taux"] == pytest.approx(0.027)  # not the old 3,22 % interpolation
    assert r.references_for("2012-2013")["LP"]["taux"] == pytest.approx(0.118)


def test_each_row_names_its_publication_and_estimates_are_only_lpo_and_erea():
    frame = r.load_references()
    assert frame["publication"].null_count() == 0 and (frame["publication"].str.starts_with("DEPP")).all()
    assert set(frame["statut"]) == {r.PUBLISHED, r.ESTIMATED}
    estimated = frame.filter(frame["statut"] == r.ESTIMATED)
    assert set(estimated["type"]) == {"LPO", "EREA"}
    assert estimated["estimation"].null_count() == 0
    assert frame.filter(frame["statut"] == r.PUBLISHED)["adresse"].null_count() == 0
    assert "2019-2020" not in set(frame["annee_scolaire"])  # nothing published: no row, no invented figure
    for year in set(frame["annee_scolaire"]):
        refs = r.references_for(year)
        assert set(refs) == {"COLLEGE", "LGT", "LP", "LPO", "EREA"}, year
        assert not r.is_estimated(refs["COLLEGE"]) and not r.is_estimated(refs["LP"])
        assert r.is_estimated(refs["EREA"]) and refs["EREA"]["taux"] == refs["LP"]["taux"]
        lgt, lp = refs["LGT"]["taux"], refs["LP"]["taux"]
        if r.is_estimated(refs["LPO"]):  # LGT + a quarter of the LGT-LP gap, rounded to 0,1 point
            assert refs["LPO"]["taux"] == pytest.approx(round((lgt + 0.25 * (lp - lgt)) * 100, 1) / 100), year
        else:
            assert refs["LPO"]["commune"] and refs["LPO"]["taux"] == lgt  # published jointly (2022-2023)


def test_references_for_a_year_and_the_overall_rate_kept_apart():
    refs = r.references_for("2013-2014")
    assert refs["COLLEGE"]["taux"] == pytest.approx(0.028) and refs["LP"]["taux"] == pytest.approx(0.115)
    assert refs["LGT"]["statut"] == "publié" and "Note d'information n° 5" in refs["LGT"]["source"]
    assert r.OVERALL not in refs  # the public-sector overall rate is no school type's reference
    recent = r.references_for("2022-2023")
    assert recent["LGT"]["taux"] == recent["LPO"]["taux"] == pytest.approx(0.087)  # "LGT+LPO"
    assert recent["LPO"]["statut"] == "publié"
    assert r.references_for("2019-2020") == {} and r.references_for("1999-2000") == {}


def test_reference_texts_say_what_is_estimated():
    refs = r.references_for("2014-2015")
    assert r.reference_text(refs["COLLEGE"]) == f"2,8{NBSP}%"
    assert r.reference_text(refs["LPO"]) == f"7,2{NBSP}% (estimé)"
    assert r.reference_text(None) == "—"
    note = r.references_note("2014-2015", refs)
    assert "Note d'information n° 11, avril 2016" in note and "LPO et EREA : taux estimés" in note
    assert "LPO" not in r.references_note("2014-2015", refs, ["COLLEGE", "LP"])
    assert r.references_note("2022-2023", r.references_for("2022-2023")).endswith(
        "EREA : taux estimé, la DEPP ne le publiant pas séparément.")
    assert r.references_note("2019-2020", {}) == "Aucun taux national de référence n'est publié pour 2019-2020."


def test_declared_units_percent_or_fraction(tmp_path):
    path = tmp_path / "refs.csv"
    path.write_text("\ufeffannee_scolaire;type;taux_pct;statut;publication\n2013-2014;LEGT;4,6;publié;DEPP\n"
                    f"2013-2014;COLLEGE;2,8{NBSP}%;publié;DEPP\n", encoding="utf-8")
    refs = r.references_for("2013-2014", path)
    assert refs["LGT"]["taux"] == pytest.approx(0.046) and refs["COLLEGE"]["taux"] == pytest.approx(0.028)
    fraction = tmp_path / "fraction.csv"
    fraction.write_text("annee_scolaire;type;taux;statut\n2013-2014;LP;0.115;publié\n", encoding="utf-8")
    assert r.references_for("2013-2014", fraction)["LP"]["taux"] == pytest.approx(0.115)
    assert r.load_references(tmp_path / "absent.csv").is_empty()


def test_references_markdown():
    text = r.references_markdown()
    lines = text.splitlines()
    assert lines[0] == "| Année scolaire | Collège | LGT | LP | LPO | EREA | Ensemble (public) |"
    pct = f"{NBSP}%"
    assert (f"| 2013-2014 | **2,8{pct}** | **4,6{pct}** | **11,5{pct}** | *6,3{pct}* | *11,5{pct}* | **4,0{pct}** |"
            in lines)
    assert (f"| 2022-2023 | **4,9{pct}** | **8,7{pct}¹** | **16,7{pct}** | **8,7{pct}¹** | *16,7{pct}* | **7,0{pct}** |"
            in lines)
    assert f"| 2020-2021 | **3,5{pct}** | **4,7{pct}** | **15,6{pct}** | *7,4{pct}* | *15,6{pct}* | — |" in lines
    assert not any(line.startswith("| 2019-2020") for line in lines)
    assert "Aucun taux publié pour 2019-2020" in text and "interpol" not in text
    assert "- 2016-2017 : DEPP, Note d'information, 2018, S. Cristofoli" in lines
    assert "- LPO : taux LGT + 0,25 × (taux LP − taux LGT), taux publiés de l'année" in lines
