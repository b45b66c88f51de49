"""The comparison on demonstration data (SQLite and PostgreSQL) and the page with AppTest."""

from __future__ import annotations

import re

import pytest

from dashboard.access.scope import Scope
from queries import comparer as q
from queries import comparer_ranking as qr
from queries.figures import territory_figures
from tests.support.access import OUT_OF_SCOPE_17
from tests.support.apptest import assert_no_exception

YEAR = "2014-2015"
FULL = Scope.full()
VIENNE = "R86-POI,R86-SVI,R86-CHA"
RACCROCHAGE_KEYS = ("raccroches", "objectif", "taux_atteinte", "taux_contact", "part_solution", "part_raccroches")
PREVENTION_KEYS = ("couverture_referents", "eleves_reperes_pour_1000", "part_suivis")


def _expected(conn, code: str, population: int) -> dict:
    """Every indicator of the table, straight from the figures export."""
    figures = territory_figures(conn, FULL, code, YEAR)
    masked = set(figures["masque"])
    out = {key: figures[key] for key in RACCROCHAGE_KEYS}
    out["signales_10000"] = (figures["jeunes_signales"] / population * 10_000
                             if figures["jeunes_signales"] is not None else None)
    for s in q.SOLUTION_TYPES:
        count = figures["raccroches_par_solution"][s]
        out[f"part_{s}"] = (count / figures["raccroches"]
                            if count is not None and figures["raccroches"] and f"raccroches_par_solution.{s}" not in masked
                            else None)
    for t in q.SCHOOL_TYPES:
        out[f"absenteisme_{t}"] = figures["absenteisme_par_type"][t]
    out["absenteisme_global"] = figures["absenteisme_global"]
    out.update({key: figures[key] for key in PREVENTION_KEYS})
    out["population"] = population
    return out


@pytest.mark.all_backends
@pytest.mark.parametrize("codes", [("R86-POI", "R86-SVI", "R86-CHA"), ("ACAD", "17", "P17-SAI", "R17-SJA", "R16-COG")])
def test_comparison_equals_the_figures_export_on_demo_data(demo_engine, codes):
    with demo_engine.connect() as conn:
        comp = q.comparison(conn, FULL, codes, YEAR)
        populations = {t.code: t.population for t in (*comp.territories, comp.reference)}
        for code in (*codes, "ACAD"):
            expected = _expected(conn, code, populations[code])
            for indicator in q.INDICATORS:
                got, want = comp.value(code, indicator.key), expected[indicator.key]
                assert got == pytest.approx(want), (code, indicator.key, got, want)
    assert comp.value("ACAD", "raccroches") > 0


@pytest.mark.all_backends
@pytest.mark.parametrize("niveau", q.RANKING_LEVELS)
def test_ranking_uses_the_same_figures(demo_engine, niveau):
    """The bulk ranking equals the comparison table (built on the figures export) for every
    territory of the level and every indicator."""
    with demo_engine.connect() as conn:
        values = qr.level_values(conn, FULL, YEAR, niveau)
        codes = values["code"].unique(maintain_order=True).to_list()
        comps = [q.comparison(conn, FULL, tuple(codes[i:i + 6]), YEAR) for i in range(0, len(codes), 6)]
    assert len(codes) == {"reseau": 14, "psad": 10, "departement": 4}[niveau]
    for comp in comps:
        for territory in comp.territories:
            for indicator in q.INDICATORS:
                row = values.filter((values["code"] == territory.code) & (values["indicateur"] == indicator.key))
                got, want = row["valeur"][0], comp.value(territory.code, indicator.key)
                assert got == want, (territory.code, indicator.key, got, want)  # exactly the same figures
                cell = comp.cells.filter((comp.cells["code"] == territory.code)
                                         & (comp.cells["indicateur"] == indicator.key))
                assert row["masque"][0] == cell["masque"][0], (territory.code, indicator.key)
    if niveau == "reseau":
        rates = qr.ranking(values, "taux_atteinte")["valeur"].drop_nulls().to_list()
        assert rates == sorted(rates, reverse=True)


def test_ranking_of_a_scoped_user(demo_engine):
    psad = Scope("psad", "P86-POI")
    with demo_engine.connect() as conn:
        networks = qr.level_values(conn, psad, YEAR, "reseau")
        departments = qr.level_values(conn, psad, YEAR, "departement")
        comp = q.comparison(conn, psad, ("R86-POI", "86"), YEAR)
    assert set(networks["code"]) == {"R86-POI", "R86-SVI"} and set(departments["code"]) == {"86"}
    for indicator in q.INDICATORS:
        row = departments.filter(departments["indicateur"] == indicator.key)
        assert row["valeur"][0] == pytest.approx(comp.value("86", indicator.key)), indicator.key


# --- the page ------------------------------------------------------------------------------------


def _share_link(at) -> str:
    """The comparison's link, shown beside « Copier le lien » (the button copies it)."""
    [field] = at.code
    return field.value


def shown(text: str) -> str:
    """Text of ``st.table`` as the user reads it: ``st.table`` reads Markdown, and the territory
    names are escaped there (``dashboard.markup``)."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u2060", "")


def shown_columns(table) -> list[str]:
    return [shown(c) for c in table.columns]


def test_page_opens_the_shared_comparison(app_test):
    at = app_test("comparer", annee=YEAR, territoires=VIENNE)
    assert_no_exception(at)
    assert at.multiselect[0].value == ["R86-POI", "R86-SVI", "R86-CHA"]
    table = at.table[0].value
    assert shown_columns(table) == ["Réseau Poitiers", "Réseau Sud-Vienne", "Réseau Châtellerault",
                                   "Académie de Poitiers (référence)"]
    assert "Taux d'atteinte de l'objectif" in table.index and "Population municipale (INSEE)" in table.index
    assert "\u00a0pt)" in table.loc["Taux d'atteinte de l'objectif", "Réseau Poitiers"]
    captions = " ".join(c.value for c in at.caption)
    assert "Taux rapportés à la population municipale des communes du territoire (INSEE)" in captions
    link = _share_link(at)
    assert link.startswith(f"/comparer?annee={YEAR}&territoires={VIENNE}")
    assert at.query_params["territoires"] == [VIENNE] or at.query_params["territoires"] == VIENNE
    assert len(at.get("plotly_chart")) == 3
    assert not at.warning


def test_url_round_trip_through_the_page(app_test):
    at = app_test("comparer", annee=YEAR, territoires="86,R86-SVI,ACAD", niveau="psad", indicateur="absenteisme_LP")
    assert_no_exception(at)
    assert at.multiselect[0].value == ["86", "R86-SVI", "ACAD"]
    assert at.selectbox(key="comparer_niveau").value == "psad"
    assert at.selectbox(key="comparer_indicateur").value == "absenteisme_LP"
    link = _share_link(at)
    assert link == f"/comparer?annee={YEAR}&territoires=86,R86-SVI,ACAD&niveau=psad&indicateur=absenteisme_LP"
    # the académie is among the chosen: it is the reference column, in the chosen place, not repeated
    assert shown_columns(at.table[0].value) == ["Vienne (86)", "Réseau Sud-Vienne", "Académie de Poitiers (référence)"]
    # changing the selection rewrites the URL
    at.multiselect[0].set_value(["R16-ANG", "R16-COG"]).run()
    assert_no_exception(at)
    assert "R16-ANG,R16-COG" in str(at.query_params["territoires"])
    assert _share_link(at).startswith(f"/comparer?annee={YEAR}&territoires=R16-ANG,R16-COG")


def test_default_selection_and_too_few_territories(app_test):
    at = app_test("comparer", annee=YEAR)
    assert_no_exception(at)
    assert at.multiselect[0].value == ["R86-POI", "R86-SVI", "R86-CHA"]
    at = app_test("comparer", annee=YEAR, territoire="P17-SAI")
    assert at.multiselect[0].value == ["P17-SAI", "R17-SAI", "R17-SJA"]
    at.multiselect[0].set_value(["P17-SAI"]).run()
    assert_no_exception(at)
    assert any("au moins deux" in i.value for i in at.info)
    assert not at.table


def test_forged_codes_are_dropped_with_a_warning(app_test):
    at = app_test("comparer", annee=YEAR, territoires="R86-POI,<b>XX</b>,R79-NIO,R99-ZZZ")
    assert_no_exception(at)
    assert at.multiselect[0].value == ["R86-POI", "R79-NIO"]
    warnings = [w.value for w in at.warning]
    assert any("2 territoires du lien ont été ignorés" in w for w in warnings), warnings
    assert all("XX" not in w for w in warnings)  # the forged text is never echoed


def test_scoped_user_cannot_reach_other_departments(run_app):
    at = run_app("comparer", user="ien79", annee=YEAR, territoires="R79-NIO,R17-LRO,R86-POI,79")
    assert_no_exception(at)
    assert at.multiselect[0].value == ["R79-NIO", "79"]
    assert any("ignorés" in w.value for w in at.warning)
    options = " ".join(at.multiselect[0].options)
    assert not OUT_OF_SCOPE_17.search(options) and "Vienne" not in options
    assert not OUT_OF_SCOPE_17.search(shown(at.table[0].value.to_string()))
    # the ranking lists only the networks the IEN-IO may view
    figure = at.get("plotly_chart")[-1].proto.spec
    assert "Niort" in figure and not OUT_OF_SCOPE_17.search(figure) and "Poitiers\"" not in figure


def test_ranking_marks_provisional_rows_and_says_so(app_test):
    """Issue 25, item 3: 2016-2017 is open, Angoulême and Royan at 28 February: ranked on older
    figures, marked « provisoire » in the chart and named in the ranking's sentence."""
    at = app_test("comparer", annee="2016-2017", territoires="R16-ANG,R17-ROY", niveau="reseau",
                  indicateur="taux_atteinte")
    assert_no_exception(at)
    captions = " ".join(c.value.replace("\\", "") for c in at.caption)
    assert "Chiffres provisoires" in captions
    assert "Réseau Angoulême (dernier bilan au 28 février 2017)" in captions
    assert "Réseau Royan (dernier bilan au 28 février 2017)" in captions
    [ranking] = [c for c in at.get("plotly_chart") if "(provisoire)" in c.proto.spec]
    assert ranking.proto.spec.count("(provisoire)") >= 2


def test_ranking_of_a_closed_complete_year_has_no_provisional_mark(app_test):
    at = app_test("comparer", annee="2015-2016", territoires="R16-ANG,R17-ROY", niveau="reseau")
    assert_no_exception(at)
    assert not any("Chiffres provisoires" in c.value for c in at.caption)


def test_copy_link_button_says_the_link_is_copied(app_test):
    at = app_test("comparer", annee=YEAR, territoires=VIENNE)
    assert_no_exception(at)
    assert _share_link(at).startswith(f"/comparer?annee={YEAR}&territoires={VIENNE}")
    at.button(key="copier_lien").click().run()
    assert_no_exception(at)
    assert any("copié dans le presse-papiers" in t.value for t in at.toast)


def test_a_closed_year_compares_against_the_target(app_test):
    """2015-2016 is closed: the small multiples draw the raccrochés against the target (100 %), with no
    trajectory in their title, caption or legend."""
    import json

    at = app_test("comparer", annee="2015-2016", territoires="R16-ANG,R16-NCH")
    assert_no_exception(at)
    texts = [*(h.value for h in at.subheader), *(c.value for c in at.caption)]
    assert "Raccrochés cumulés face à l'objectif" in texts
    names = [t.get("name") or "" for chart in at.get("plotly_chart") for t in json.loads(chart.proto.spec)["data"]]
    assert not [t for t in [*texts, *names] if "trajectoire" in t.lower()]
