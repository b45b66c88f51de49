"""Figures export (``queries.figures``, ``dashboard.publish.figures``) on the hand-made fixture of ``test_raccrochage``."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from dashboard.access.scope import AccessDenied, Scope
from dashboard.publish import figures
from queries import figures as figures_query
from tests.support import ROOT, cli
from tests.support.raccrochage import YEAR, load_fixture

FULL = Scope.full()
KEYS = {"territoire", "annee_scolaire", "periode_fin", "jeunes_signales", "jeunes_contactes", "entretiens",
        "solutions_proposees", "raccroches", "raccroches_par_solution", "contrats_foquale", "objectif",
        "taux_atteinte", "masque"}
STATUS_TEXTS = {"En avance", "Sur la trajectoire", "En retard"}
SOLUTIONS = ["formation_initiale", "structure_innovante", "apprentissage", "mlds", "service_civique", "autres"]


@pytest.fixture
def engine(db_engine):
    from dashboard.access import auth

    load_fixture(db_engine)
    auth.load_users_file(db_engine, ROOT / "config" / "utilisateurs.example.csv")
    return db_engine


def _figures(engine, code, annee=YEAR):
    with engine.connect() as conn:
        return figures_query.territory_figures(conn, FULL, code, annee)


def test_academie(engine, no_secrecy):
    f = _figures(engine, "ACAD")
    assert KEYS <= set(f)
    assert f["territoire"] == "ACAD" and f["annee_scolaire"] == YEAR and f["periode_fin"] == "2015-02-28"
    assert (f["jeunes_signales"], f["jeunes_contactes"], f["entretiens"], f["solutions_proposees"]) == (126, 97, 76, 63)
    assert f["raccroches"] == 44 and f["contrats_foquale"] == 32
    assert f["raccroches_par_solution"] == dict(zip(SOLUTIONS, [19, 0, 10, 6, 3, 6], strict=True))
    assert f["objectif"] == 500 and f["taux_atteinte"] == pytest.approx(44 / 500)
    assert f["masque"] == []  # disclosure off
    # each network at its own last bilan (see test_raccrochage): 500 × (60 × .65 + 20 × .4 + 13 × .225) / 93
    assert f["niveau_attendu"] == pytest.approx(500 * 49.925 / 93) and f["statut_trajectoire"] == "en_retard"
    assert f["projection_fin_annee"] == pytest.approx(30 / 0.65 + 11 / 0.4 + 3 / 0.225)
    late = set(f["reseaux_en_retard"])  # without the bilan of February: R16-COG, R16-NCH and the silent ones
    assert f["situation_annee"] == "provisoire" and {"R16-COG", "R16-NCH", "R86-POI"} <= late
    assert "R16-ANG" not in late


def test_department_psad_and_network(engine, monkeypatch):
    """Hand-computed sums and targets (disclosure off: threshold 1)."""
    monkeypatch.setenv("DASHBOARD_DISCLOSURE_THRESHOLD", "1")
    dep = _figures(engine, "16")
    assert dep["objectif"] == 120 and dep["taux_atteinte"] == pytest.approx(44 / 120)
    assert dep["raccroches_par_solution"]["service_civique"] == 3 and dep["masque"] == []
    psad = _figures(engine, "P16-ANG")
    assert psad["objectif"] == 80 and psad["raccroches"] == 41 and psad["taux_atteinte"] == pytest.approx(41 / 80)
    assert psad["raccroches_par_solution"] == {"formation_initiale": 17, "structure_innovante": 0, "apprentissage": 9,
                                               "mlds": 6, "service_civique": 3, "autres": 6}
    assert psad["masque"] == []
    ang = _figures(engine, "R16-ANG")
    assert ang["periode_fin"] == "2015-02-28" and ang["jeunes_signales"] == 90 and ang["raccroches"] == 30
    assert ang["objectif"] == 60 and ang["taux_atteinte"] == pytest.approx(0.5) and ang["contrats_foquale"] == 22
    assert ang["raccroches_par_solution"]["mlds"] == 5 and ang["raccroches_par_solution"]["autres"] == 5
    nch = _figures(engine, "R16-NCH")
    assert nch["periode_fin"] == "2014-12-31" and nch["raccroches"] == 11 and nch["objectif"] == 20
    assert nch["taux_atteinte"] == pytest.approx(11 / 20)


def test_masking_protects_the_small_psad_through_its_neighbours(engine):
    """P16-COG (3 raccrochés) is masked « < 5 »; Charente is the sum of its two PSAD and the PSAD
    Angoulême of its two networks, so other values are masked « s » around it: no count under the
    threshold is left anywhere, and no masked value can be recomputed (the audit)."""
    from dashboard.disclosure import audit
    from queries import raccrochage_suppression as secrecy

    cog = _figures(engine, "P16-COG")
    assert cog["raccroches"] is None and cog["secret"]["raccroches"] == "primary"
    assert cog["objectif"] == 13  # a target is not a count of people
    for code in ("ACAD", "16", "P16-ANG", "P16-COG", "R16-ANG", "R16-NCH", "R16-COG"):
        flat = figures.flatten({k: v for k, v in _figures(engine, code).items() if k not in ("secret",)})
        for key, value in flat.items():
            if key.startswith(("jeunes", "entretiens", "solutions", "raccroches", "contrats")) and \
                    isinstance(value, int) and not isinstance(value, bool):
                assert not 0 < value < 5, (code, key, value)
    with engine.connect() as conn:
        decision = secrecy.decision(conn, YEAR)
        published, _year, fixed = secrecy.system(conn, YEAR)
    masked = set(fixed) | {c.atom for c in published if c.key in decision.marks}
    assert audit.audit(published, masked) == []
    ang = _figures(engine, "P16-ANG")
    assert "raccroches" in ang["masque"] and ang["secret"]["raccroches"] == "secondary"  # 41 ≥ 5: « s »


def test_small_network_is_masked(engine):
    cog = _figures(engine, "R16-COG")
    assert cog["jeunes_signales"] == 6
    for key in ("jeunes_contactes", "entretiens", "solutions_proposees", "raccroches", "contrats_foquale",
                "taux_atteinte", "taux_contact", "projection_fin_annee"):
        assert cog[key] is None, key
        assert key in cog["masque"], key
    assert cog["objectif"] == 13  # a target is not a count of people
    assert cog["raccroches_par_solution"]["formation_initiale"] is None
    assert "raccroches_par_solution.formation_initiale" in cog["masque"]


def test_no_target_no_data(engine):
    f = _figures(engine, "17")
    assert f["objectif"] is None and f["taux_atteinte"] is None and f["periode_fin"] is None
    assert f["raccroches"] is None and f["statut_trajectoire"] == "inconnu"


def test_unknown_and_forbidden(engine):
    with engine.connect() as conn:
        with pytest.raises(KeyError):
            figures_query.territory_figures(conn, FULL, "R99-XXX", YEAR)
        with pytest.raises(AccessDenied):
            figures_query.territory_figures(conn, Scope("reseau", "R86-POI", "r"), "R16-ANG", YEAR)


def test_contributors_can_add_keys(engine, monkeypatch, no_secrecy):
    def extra(conn, scope, code, annee):
        return {"absenteisme_global": 0.05, "masque": ["absenteisme_global"]}

    monkeypatch.setattr(figures_query, "CONTRIBUTORS", list(figures_query.CONTRIBUTORS))
    figures_query.register_contributor(extra)
    figures_query.register_contributor(extra)
    f = _figures(engine, "R16-ANG")
    assert f["absenteisme_global"] == 0.05 and f["raccroches"] == 30
    assert f["masque"].count("absenteisme_global") == 1 and f["secret"]["absenteisme_global"] == "secondary"


def test_published_json_is_rounded_as_shown(engine, no_secrecy):
    """The JSON holds the values of the page, rounded as shown: 51,25 % is « 51,2 % » → 0.512."""
    f = _figures(engine, "R16-ANG")
    data = json.loads(figures.render(f, ".json"))
    assert data["taux_atteinte"] == round(f["taux_atteinte"], 3)
    assert isinstance(data["niveau_attendu"], int)  # an expected count is a whole number of young people
    assert data["secret"] == {k: ("< 5" if m == "primary" else "s") for k, m in f["secret"].items()}


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _cli(*args):
    return cli.run_cli("dashboard.figures", *args)


@pytest.mark.parametrize("suffix", [".json", ".csv", ".xlsx"])
def test_cli(engine, tmp_path, suffix, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DISCLOSURE_THRESHOLD", "1")  # hand-computed values, disclosure off
    out = tmp_path / f"chiffres{suffix}"
    result = _cli("--database-url", _url(engine), "--annee", YEAR, "--territoire", "P16-ANG", "--out", str(out),
                  "--utilisateur", "recteur")
    assert result.returncode == 0, result.stderr
    if suffix == ".json":
        data = json.loads(out.read_text(encoding="utf-8"))
        assert data["raccroches"] == 41 and data["objectif"] == 80 and data["territoire"] == "P16-ANG"
        assert data["raccroches_par_solution"]["formation_initiale"] == 17
        assert data["raccroches_par_solution"]["mlds"] == 6
        assert data["niveau"] == "psad" and data["statut_trajectoire"] in {"en_avance", "sur_trajectoire", "en_retard"}
    elif suffix == ".csv":
        content = out.read_bytes().decode("utf-8-sig")
        table = content.split("\r\n\r\n")[0]  # the provenance follows an empty line
        rows = {r["Clé"]: r for r in csv.DictReader(io.StringIO(table), delimiter=";")}
        assert rows["raccroches"]["Valeur"] == "41" and rows["objectif"]["Valeur"] == "80"
        # one convention for every CSV: rates in percent with their shown decimal, « (%) » in the label
        assert rows["taux_atteinte"]["Valeur"] == "51,2" and rows["taux_atteinte"]["Indicateur"].endswith("(%)")
        assert rows["raccroches_par_solution.mlds"]["Valeur"] == "6"
        assert "Source : " in content and "Secret statistique" in content
        # coded figures are written in French for the reader; the JSON keeps the codes
        assert rows["niveau"]["Valeur"] == "PSAD" and rows["statut_trajectoire"]["Valeur"] in STATUS_TEXTS
        assert rows["profil_saisonnier"]["Valeur"].startswith("historique")
    else:
        book = load_workbook(out)
        sheet = book["Chiffres"]
        values = {row[0].value: row[2] for row in sheet.iter_rows(min_row=2)}
        assert values["raccroches"].value == 41 and values["raccroches"].number_format == "[$-40C]#,##0"
        assert values["territoire"].value == "P16-ANG"
        assert values["taux_atteinte"].value == pytest.approx(41 / 80)
        assert values["taux_atteinte"].number_format == "[$-40C]0.0 %"
        assert values["niveau"].value == "PSAD" and values["statut_trajectoire"].value in STATUS_TEXTS
        assert book.sheetnames[-1] == "Notes"


def test_cli_applies_the_scope_of_the_user(engine, tmp_path):
    """``--utilisateur``: a territory outside the user's scope is refused, an unknown user gets
    nothing, a territory inside the scope is written."""
    url, out = _url(engine), tmp_path / "chiffres.json"
    outside = _cli("--database-url", url, "--annee", YEAR, "--territoire", "P16-ANG", "--out", str(out),
                   "--utilisateur", "ien79")
    assert outside.returncode == 1 and "autoris" in outside.stderr
    assert not out.exists()
    unknown = _cli("--database-url", url, "--annee", YEAR, "--territoire", "ACAD", "--out", str(out),
                   "--utilisateur", "inconnu")
    assert unknown.returncode == 1 and "inconnu" in unknown.stderr and not out.exists()
    own = _cli("--database-url", url, "--annee", YEAR, "--territoire", "R16-ANG", "--out", str(out),
               "--utilisateur", "reseau16ang")
    assert own.returncode == 0, own.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["territoire"] == "R16-ANG"


def test_cli_errors(engine, tmp_path):
    url = _url(engine)
    unknown = _cli("--database-url", url, "--annee", YEAR, "--territoire", "R99-XXX", "--out", str(tmp_path / "a.json"))
    assert unknown.returncode == 1 and "territoire inconnu" in unknown.stderr
    assert not (tmp_path / "a.json").exists()
    bad = _cli("--database-url", url, "--annee", YEAR, "--territoire", "ACAD", "--out", str(tmp_path / "a.txt"))
    assert bad.returncode == 2 and ".json" in bad.stderr


def test_export_carries_absenteeism_by_school_type(demo_engine):
    from dashboard.access.scope import Scope
    from queries import absenteisme as aq
    from queries.figures import territory_figures

    with demo_engine.connect() as conn:
        figures = territory_figures(conn, Scope.full("t"), "86", "2014-2015")
        cube = aq.cube(conn, Scope.full("t"), "86", "2014-2015", previous=False)
    rates = dict(cube.yearly("type").select("groupe", "taux").iter_rows())
    assert set(figures["absenteisme_par_type"]) >= {"COLLEGE", "LGT", "LP", "LPO", "EREA"}
    for school_type, rate in figures["absenteisme_par_type"].items():
        assert rate == rates.get(school_type)
    assert 0 < figures["absenteisme_global"] < 0.2
    assert not [k for k in figures["masque"] if k.startswith("absenteisme")]
