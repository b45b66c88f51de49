"""The map: geometry joins, values (equal to the figures export), classes and legend, the plotly
figure (offline, small) and the static PNG — on a small hand-made fixture, SQLite and PostgreSQL.

Fixture (school year 2014-2015):

* bilans for every network but R79-BRE (no bilan: "missing"), two periods each; R86-SVI has
  3 raccrochés in the year (under the threshold: "masked" at network level);
* targets for every network but R16-COG (P16-COG then has no target: rate "missing");
* schools with monthly absenteeism in R86-POI, R86-CHA and R17-LRO (one LP in R86-POI only);
* two MLDS sites, one with 3 young people (masked).
"""

from __future__ import annotations

import io
import json
import re

import polars as pl
import pytest
from PIL import Image
from sqlalchemy import insert

from dashboard.access.scope import AccessDenied, Scope
from dashboard.charts import carte as charts
from dashboard.charts import carte_classes as mapclasses
from dashboard.charts import carte_geometry as mapgeo
from dashboard.publish import screen
from dashboard.store import db
from queries import carte as q
from queries import carte_layers, carte_values
from queries import territoires as tq

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md

YEAR = "2014-2015"
FULL = Scope.full()
IEN_86 = Scope("ien-io", "86", "ien86")
LECTEUR = Scope("lecteur", "ACAD", "lecteur")
COUNTS = {"reseau": 14, "psad": 10, "departement": 4}


def _bilan(reseau: str, periode: str, signales: int, solutions: int, raccroches: tuple[int, ...]) -> dict:
    row = {"reseau_code": reseau, "periode_fin": periode, "annee_scolaire": YEAR, "jeunes_signales": signales,
           "jeunes_contactes": signales // 2, "entretiens": signales // 3, "solutions_proposees": solutions,
           "contrats_foquale": 1}
    row.update(dict(zip(db.SOLUTION_COLUMNS, raccroches, strict=True)))
    return row


def fixture_rows(networks: list[str]) -> dict[str, list[dict]]:
    bilans, objectifs = [], []
    for i, reseau in enumerate(networks):
        if reseau == "R79-BRE":
            continue
        if reseau == "R86-SVI":  # 3 raccrochés: masked
            bilans.append(_bilan(reseau, "2014-10-31", 40, 8, (1, 0, 1, 0, 0, 0)))
            bilans.append(_bilan(reseau, "2014-12-31", 20, 4, (0, 0, 1, 0, 0, 0)))
        else:
            bilans.append(_bilan(reseau, "2014-10-31", 60 + 10 * i, 20 + i, (10 + i, 2, 3, 1, 1, 1)))
            bilans.append(_bilan(reseau, "2014-12-31", 40 + 5 * i, 10 + i, (5, 1, 2, 1, 0, i % 3)))
        if reseau != "R16-COG":
            objectifs.append({"annee_scolaire": YEAR, "territoire_code": reseau, "indicateur": "raccroches",
                              "objectif": 40 + 3 * i})
    schools = [
        ("0860001A", "Collège Alpha", "COLLEGE", "PUBLIC", "86194", None),
        ("0860002B", "Lycée pro Beta", "LP", "PUBLIC", "86194", None),
        ("0860003C", "Collège Gamma", "COLLEGE", "PRIVE", "86066", None),
        ("0170004D", "Collège Delta", "COLLEGE", "PUBLIC", "17300", None),
        ("0170005E", "Lycée Epsilon", "LGT", "PUBLIC", "17300", "R17-LRO"),
    ]
    etablissements = [
        {"uai": u, "nom": n, "type": t, "secteur": s, "commune_insee": c, "education_prioritaire": None,
         "reseau_code": r}
        for u, n, t, s, c, r in schools
    ]
    absenteisme = []
    for k, (uai, *_rest) in enumerate(schools):
        for m, mois in enumerate(("2014-09", "2014-10", "2014-11")):
            absenteisme.append({"uai": uai, "mois": mois, "annee_scolaire": YEAR, "effectif": 400 + 50 * k + m,
                                "eleves_absenteistes": 10 + 3 * k + 2 * m, "demi_journees_non_justifiees": None})
    mlds = [
        {"site_code": "PAQI-POI", "annee_scolaire": YEAR, "nom": "PAQI Poitiers", "commune_insee": "86194",
         "places": 30, "jeunes_accueillis": 24},
        {"site_code": "PAQI-LRO", "annee_scolaire": YEAR, "nom": "PAQI La Rochelle", "commune_insee": "17300",
         "places": 20, "jeunes_accueillis": 3},
    ]
    return {"bilans": bilans, "objectifs": objectifs, "etablissements": etablissements,
            "absenteisme": absenteisme, "mlds_sites": mlds}


@pytest.fixture(scope="module")
def engine(databases, backend, tmp_path_factory):
    eng, cleanup = databases.new_engine(backend, "geo", tmp_path_factory.mktemp("carte"))
    with eng.begin() as conn:
        networks = tq.network_tree(conn, YEAR)["reseau_code"].to_list()
        for table, rows in fixture_rows(networks).items():
            conn.execute(insert(db.metadata.tables[table]), rows)
    yield eng
    cleanup()


@pytest.fixture(scope="module")
def conn(engine):
    with engine.connect() as connection:
        yield connection


# --- geometry joins -----------------------------------------------------------------------------


@pytest.mark.parametrize("level", carte_values.MAP_LEVELS)
def test_every_territory_has_a_shape_and_a_value_or_a_state(conn, level):
    index = tq.territory_index(conn, YEAR)
    codes = sorted(t.code for t in index.values() if t.niveau == level)
    assert len(codes) == COUNTS[level]
    geometry = mapgeo.level_geometry(tq.commune_breakdown(conn, YEAR), level)
    assert sorted(geometry.features) == codes
    assert all(geometry.features[c]["id"] == c for c in codes)
    assert set(geometry.label_points) == set(codes)
    for indicator in carte_values.INDICATORS:
        values = carte_values.indicator_values(conn, FULL, "ACAD", YEAR, level, indicator)
        assert sorted(values["code"].to_list()) == codes
        assert set(values["etat"].to_list()) <= set(carte_values.STATES)
        ok = values.filter(pl.col("etat") == carte_values.OK)
        assert ok["valeur"].null_count() == 0
        assert values.filter(pl.col("etat") != carte_values.OK)["valeur"].null_count() == values.height - ok.height


def test_states_of_the_fixture(conn):
    raccroches = carte_values.indicator_values(conn, FULL, "ACAD", YEAR, "reseau", "raccroches")
    states = dict(raccroches.select("code", "etat").iter_rows())
    assert states["R79-BRE"] == carte_values.MISSING  # no bilan
    assert states["R86-SVI"] == carte_values.MASKED  # 3 raccrochés
    # its only sibling under P86-POI is masked too: P86-POI minus R86-POI would give R86-SVI away
    assert states["R86-POI"] == carte_values.MASKED
    assert carte_values.OK in states.values()
    rates = carte_values.indicator_values(conn, FULL, "ACAD", YEAR, "psad", "taux_atteinte")
    assert dict(rates.select("code", "etat").iter_rows())["P16-COG"] == carte_values.MISSING  # no target
    lp = carte_values.indicator_values(conn, FULL, "ACAD", YEAR, "reseau", "absenteisme", "LP")
    lp_states = dict(lp.select("code", "etat").iter_rows())
    assert lp_states["R86-POI"] == carte_values.OK and lp_states["R86-CHA"] == carte_values.MISSING


def test_hand_computed_values(conn, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DISCLOSURE_THRESHOLD", "1")  # hand-computed values, disclosure off
    networks = tq.network_tree(conn, YEAR)["reseau_code"].to_list()
    i = networks.index("R86-POI")
    raccroches = (10 + i + 2 + 3 + 1 + 1 + 1) + (5 + 1 + 2 + 1 + 0 + i % 3)
    signales = (60 + 10 * i) + (40 + 5 * i)
    objectif = 40 + 3 * i
    population = tq.territory_index(conn, YEAR)["R86-POI"].population

    def value(indicator, type_etab=None):
        frame = carte_values.indicator_values(conn, FULL, "ACAD", YEAR, "reseau", indicator, type_etab)
        return dict(frame.select("code", "valeur").iter_rows())["R86-POI"]

    assert value("raccroches") == raccroches
    assert value("taux_atteinte") == pytest.approx(raccroches / objectif)
    assert value("part_raccroches") == pytest.approx(raccroches / signales)
    assert value("signales_10000") == pytest.approx(signales / population * 10_000)
    # absenteeism: ratio of sums over the school's months (schools 0 and 1 are in R86-POI)
    absents = sum(10 + 3 * k + 2 * m for k in (0, 1) for m in range(3))
    effectif = sum(400 + 50 * k + m for k in (0, 1) for m in range(3))
    assert value("absenteisme") == pytest.approx(round(absents / effectif, 3))  # published at 0,1 %
    assert value("absenteisme", "LP") == pytest.approx(round(sum(13 + 2 * m for m in range(3)) / sum(450 + m for m in range(3)), 3))


@pytest.mark.parametrize("level", carte_values.MAP_LEVELS)
def test_map_values_equal_the_figures_export(conn, level):
    from queries.figures import territory_figures

    # the export keeps the computed fractions (rounding happens when a file is written)
    keys = {"taux_atteinte": "taux_atteinte", "raccroches": "raccroches", "part_raccroches": "part_raccroches"}
    frames = {k: carte_values.indicator_values(conn, FULL, "ACAD", YEAR, level, k) for k in (*keys, "absenteisme", "signales_10000")}
    lp = carte_values.indicator_values(conn, FULL, "ACAD", YEAR, level, "absenteisme", "LP")
    for code in frames["raccroches"]["code"]:
        figures = territory_figures(conn, FULL, code, YEAR)
        assert "absenteisme_global" in figures  # the export carries absenteeism
        for indicator, key in keys.items():
            row = frames[indicator].filter(pl.col("code") == code).row(0, named=True)
            if row["etat"] == carte_values.OK:
                assert figures[key] == pytest.approx(row["valeur"], abs=1e-6), (code, key)
            else:
                assert figures[key] is None, (code, key)
        row = frames["signales_10000"].filter(pl.col("code") == code).row(0, named=True)
        if row["etat"] == carte_values.OK:
            population = row["population"]
            assert figures["jeunes_signales"] / population * 10_000 == pytest.approx(row["valeur"], abs=1e-6)
        row = frames["absenteisme"].filter(pl.col("code") == code).row(0, named=True)
        assert figures["absenteisme_global"] == (pytest.approx(row["valeur"], abs=1e-6) if row["etat"] == carte_values.OK else None)
        row = lp.filter(pl.col("code") == code).row(0, named=True)
        expected = figures["absenteisme_par_type"].get("LP")
        assert expected == (pytest.approx(row["valeur"], abs=1e-6) if row["etat"] == carte_values.OK else None)


def test_key_figures_are_those_of_the_export(conn):
    figures = q.key_figures(conn, FULL, "P86-POI", YEAR)
    export = q.territory_figures(conn, FULL, "P86-POI", YEAR)
    for key in ("jeunes_signales", "raccroches", "objectif", "taux_atteinte", "part_raccroches", "absenteisme_global"):
        assert figures[key] == export[key]
    assert figures["label"] == "PSAD Poitiers" and figures["parent_code"] == "86"
    masked = q.key_figures(conn, FULL, "R86-SVI", YEAR)
    assert masked["raccroches"] is None and "raccroches" in masked["masque"]


# --- scope ------------------------------------------------------------------------------------------


def test_scoped_user_sees_other_territories_as_outlines_only(conn):
    values = carte_values.indicator_values(conn, IEN_86, "86", YEAR, "reseau", "raccroches")
    outside = values.filter(pl.col("etat") == carte_values.OUT_OF_SCOPE)
    assert sorted(values.filter(pl.col("etat") != carte_values.OUT_OF_SCOPE)["code"]) == ["R86-CHA", "R86-POI", "R86-SVI"]
    assert outside.height == 11
    assert outside["valeur"].null_count() == 11 and outside["population"].null_count() == 11
    deps = carte_values.indicator_values(conn, IEN_86, "86", YEAR, "departement", "raccroches")
    assert dict(deps.select("code", "etat").iter_rows())["16"] == carte_values.OUT_OF_SCOPE
    with pytest.raises(AccessDenied):
        carte_values.indicator_values(conn, IEN_86, "16", YEAR, "reseau", "raccroches")
    with pytest.raises(AccessDenied):
        q.key_figures(conn, IEN_86, "R16-ANG", YEAR)


def test_reader_sees_no_territory_below_the_academie(conn):
    values = carte_values.indicator_values(conn, LECTEUR, "ACAD", YEAR, "departement", "taux_atteinte")
    assert set(values["etat"]) == {carte_values.OUT_OF_SCOPE}
    assert carte_layers.schools(conn, LECTEUR, "ACAD", YEAR).is_empty()
    assert carte_layers.mlds_sites(conn, LECTEUR, "ACAD", YEAR).is_empty()


# --- layers ---------------------------------------------------------------------------------------


def test_schools_layer_of_the_focus_with_latest_enrolment(conn):
    schools = carte_layers.schools(conn, FULL, "86", YEAR)
    assert sorted(schools["uai"]) == ["0860001A", "0860002B", "0860003C"]
    row = schools.filter(pl.col("uai") == "0860002B").row(0, named=True)
    assert row["effectif"] == 450 + 2  # November, the latest month
    assert row["commune_nom"] == "Poitiers" and row["reseau_code"] == "R86-POI"
    assert sorted(carte_layers.schools(conn, FULL, "R17-LRO", YEAR)["uai"]) == ["0170004D", "0170005E"]
    assert carte_layers.schools(conn, IEN_86, "86", YEAR).height == 3


def test_mlds_layer_masks_small_counts(conn):
    sites = carte_layers.mlds_sites(conn, FULL, "ACAD", YEAR).sort("site_code")
    assert sites["site_code"].to_list() == ["PAQI-LRO", "PAQI-POI"]
    lro, poi = sites.iter_rows(named=True)
    assert lro["jeunes_accueillis"] is None and lro["taux_occupation"] is None
    assert poi["jeunes_accueillis"] == 24 and poi["taux_occupation"] == pytest.approx(0.8)


def test_network_seats(conn):
    seats = carte_layers.network_seats(conn, FULL, "ACAD", YEAR)
    assert seats.height == 14
    assert dict(seats.select("reseau_code", "commune_nom").iter_rows())["R86-SVI"] == "Montmorillon"
    assert carte_layers.network_seats(conn, IEN_86, "86", YEAR).height == 3


# --- classes and legend -------------------------------------------------------------------------------


def test_fixed_thresholds_for_the_rate_of_achievement():
    classes = mapclasses.classify([0.5, 0.799, 0.8, 0.95, 1.0, 1.3, None], "taux_atteinte")
    assert classes.method == "seuils"
    assert [c.label for c in classes.classes] == ["Moins de 80 %", "De 80 % à moins de 100 %", "100 % ou plus"]
    assert [classes.index_of(v) for v in (0.5, 0.799, 0.8, 0.95, 1.0, 1.3, None)] == [0, 0, 1, 1, 2, 2, None]


def test_quantile_classes_and_french_bounds():
    values = [0.1234, 0.13, 0.14, 0.15, 0.16, 0.17, 0.18, 0.1999]
    classes = mapclasses.classify(values, "absenteisme")
    assert classes.method == "quantiles" and len(classes.classes) == 4
    labels = [c.label for c in classes.classes]
    assert labels[0].startswith("De 12,3\u00a0% à ")
    assert labels[-1].endswith(" à 20,0\u00a0%")
    for label in labels:
        assert re.fullmatch(r"De \d+,\d\u00a0% à \d+,\d\u00a0%", label), label
    # bounds chain: each class starts where the previous one ends
    for previous, current in zip(classes.classes, classes.classes[1:], strict=False):
        assert previous.upper == current.lower
    indices = [classes.index_of(v) for v in values]
    assert indices == sorted(indices) and indices[0] == 0 and indices[-1] == 3
    assert all(indices.count(i) == 2 for i in range(4))  # quantiles: equal counts


def test_count_and_population_rate_bounds():
    counts = mapclasses.classify([12, 20, 25, 1234, 45, None], "raccroches")
    assert counts.classes[0].label.startswith("De 12 à ")
    assert counts.classes[-1].label.endswith("à 1\u202f234")
    rates = mapclasses.classify([12.34, 15.0, 20.0, 31.26], "signales_10000")
    assert rates.classes[0].label.startswith("De 12,3 à ") and rates.classes[-1].label.endswith("à 31,3")


def test_degenerate_classes():
    assert mapclasses.classify([], "raccroches").classes == ()
    single = mapclasses.classify([0.05, 0.05], "part_raccroches")
    assert len(single.classes) == 1 and single.classes[0].label == "5,0\u00a0%"
    assert single.index_of(0.05) == 0
    collapsed = mapclasses.classify([1, 1, 2], "raccroches")  # the median break equals the minimum
    assert [c.label for c in collapsed.classes] == ["De 1 à 2"]
    assert collapsed.index_of(1) == collapsed.index_of(2) == 0
    spread = mapclasses.classify([1, 1, 2, 3, 5, 8, 13, 21], "raccroches")
    assert len(spread.classes) == 4


def test_legend_has_grey_insufficient_data_and_out_of_scope_entries():
    values = pl.DataFrame(
        {"code": ["A", "B", "C", "D"], "nom": list("ABCD"), "niveau": ["reseau"] * 4, "parent_code": [None] * 4,
         "population": [1, 1, 1, None], "numerateur": [None] * 4, "denominateur": [None] * 4,
         "valeur": [0.5, None, None, None], "etat": [carte_values.OK, carte_values.MASKED, carte_values.MISSING, carte_values.OUT_OF_SCOPE],
         "marque": [None, "secondary", None, None], "statut": [None] * 4, "phase": [None] * 4},
        schema=carte_values.VALUE_SCHEMA,
    )
    classed = mapclasses.classed_values(values, "taux_atteinte")
    legend = classed.legend()
    assert [e.label for e in legend][-2:] == ["Données insuffisantes", "Hors de votre périmètre"]
    assert classed.color_of("A") == mapclasses.FIXED_COLORS[0]
    assert classed.color_of("B") == classed.color_of("C") == mapclasses.MISSING_COLOR
    assert classed.color_of("D") == mapclasses.OUT_OF_SCOPE_COLOR


def test_palettes_are_distinct_and_ordered():
    for n, palette in mapclasses.QUANTILE_PALETTES.items():
        assert len(palette) == n and len(set(palette)) == n
        assert mapclasses.MISSING_COLOR not in palette
    assert mapclasses.MISSING_COLOR not in mapclasses.FIXED_COLORS


# --- the plotly figure ----------------------------------------------------------------------------------


def _figure(conn, scope=FULL, code="ACAD", level="reseau", indicator="taux_atteinte", layers=(), selected=None,
            colouring="statut"):
    data = q.map_data(conn, scope, code, YEAR, level, indicator, None, layers, colouring)
    return data, charts.map_figure(data, selected=selected)


@pytest.mark.parametrize("level", carte_values.MAP_LEVELS)
def test_figure_is_an_offline_choroplethmap(conn, level):
    data, fig = _figure(conn, level=level, layers=("etablissements", "mlds", "sieges"), selected=None)
    types = {trace.type for trace in fig.data}
    assert "choroplethmap" in types and "choropleth" not in types
    assert fig.layout.map.style == "white-bg"
    text = fig.to_json()
    assert "http://" not in text and "https://" not in text
    for trace in fig.data:  # MapLibre would fetch font glyphs for text traces
        if trace.type == "scattermap":
            assert "text" not in (trace.mode or "")
    layer = fig.layout.map.layers[0]
    assert layer.sourcetype == "image" and layer.source.startswith("data:image/png;base64,")
    # every territory is drawn exactly once, with its code as feature id
    drawn = [loc for t in fig.data if t.type == "choroplethmap" for loc in t.locations]
    assert sorted(c for c in drawn if not c.startswith(charts.LEGEND_PLACEHOLDER)) == sorted(data.values["code"])
    for trace in fig.data:
        if trace.type == "choroplethmap":
            assert [f["id"] for f in trace.geojson["features"]] == list(trace.locations)
    # department borders on top of the fills
    names = [t.name for t in fig.data]
    assert names.index("Limites départementales") > max(i for i, t in enumerate(fig.data) if t.type == "choroplethmap")


def test_empty_fixed_classes_keep_their_legend_entry(conn):
    _, fig = _figure(conn, indicator="taux_atteinte", colouring="taux")
    names = [t.name for t in fig.data if t.type == "choroplethmap"]
    assert names[:3] == ["Moins de 80 %", "De 80 % à moins de 100 %", "100 % ou plus"]


def test_open_year_is_coloured_by_status_at_the_date(conn):
    """In an open year the rate of achievement is coloured by the status of each network at its own
    last bilan (the fixed annual bands are an option): the legend names the statuses, each network
    is drawn in its status's colour, and the map's state matches the raccrochage query."""
    from queries import raccrochage_situation
    from queries.statuses import STATUS_COLORS, STATUS_LABELS

    data, fig = _figure(conn, indicator="taux_atteinte")
    assert data.by_status and not data.closed
    assert data.label == "Statut par rapport à la trajectoire"
    by_name = {t.name: t for t in fig.data if t.type == "choroplethmap"}
    assert [n for n in by_name if n in STATUS_LABELS.values()][:3] == ["En retard", "Sur la trajectoire", "En avance"]
    statuses = {r["code"]: r["statut"] for r in raccrochage_situation.situations(conn, FULL, "ACAD", YEAR, niveau="reseau")
                .iter_rows(named=True)}
    classed = mapclasses.classed_for(data)
    for code, status in statuses.items():
        if status in ("en_retard", "sur_trajectoire", "en_avance"):
            assert code in by_name[STATUS_LABELS[status]].locations, code
            assert classed.color_of(code) == STATUS_COLORS[status]
        else:
            assert classed.color_of(code) == mapclasses.MISSING_COLOR
    assert "statut" in classed.classification.description.lower()
    # the tooltip: the rate under its own name, the status in a line of its own (issue 25, item 5)
    for name, trace in by_name.items():
        if name in ("En retard", "Sur la trajectoire", "En avance"):
            for _code, hover in trace.customdata:
                assert "Statut par rapport à la trajectoire" not in hover
                assert "Taux d'atteinte de l'objectif" in hover and hover.endswith(f"Statut : {name}")


def test_closed_year_is_coloured_reached_or_not(db_engine):
    """A closed year (a later school year has bilans) shows « objectif atteint / non atteint »."""
    with db_engine.begin() as write:
        networks = tq.network_tree(write, YEAR)["reseau_code"].to_list()
        for table, rows in fixture_rows(networks).items():
            write.execute(insert(db.metadata.tables[table]), rows)
        write.execute(insert(db.bilans), [{"reseau_code": "R16-ANG", "annee_scolaire": "2015-2016",
                                           "periode_fin": "2015-10-31", **dict.fromkeys(db.BILAN_COUNT_COLUMNS, 0)}])
    with db_engine.connect() as fresh:
        data = q.map_data(fresh, FULL, "ACAD", YEAR, "reseau", "taux_atteinte")
    assert data.closed and data.label == "Objectif de raccrochage de l'année"
    legend = [e.label for e in mapclasses.classed_for(data).legend()]
    assert legend[:2] == ["Objectif non atteint", "Objectif atteint"]


def test_legend_names_and_grey_states_in_the_figure(conn):
    _, fig = _figure(conn, indicator="raccroches")
    by_name = {t.name: t for t in fig.data if t.type == "choroplethmap"}
    assert "R86-SVI" in by_name["Données insuffisantes"].locations
    assert "R79-BRE" in by_name["Données insuffisantes"].locations
    assert all(name.startswith("De ") or name == "Données insuffisantes" for name in by_name)
    _, scoped = _figure(conn, scope=IEN_86, code="86")
    out = next(t for t in scoped.data if t.name == "Hors de votre périmètre")
    assert len(out.locations) == 11
    assert all("Hors de votre périmètre" in c[1] for c in out.customdata)


def test_coordinates_are_rounded_to_five_decimals(conn):
    _, fig = _figure(conn)
    text = fig.to_json()
    coordinates = json.loads(text)["data"][0]["geojson"]["features"][0]["geometry"]["coordinates"]
    flat = json.dumps(coordinates)
    assert not re.search(r"\d\.\d{6,}", flat)


def test_figure_json_stays_under_600_kb_at_network_level(conn):
    _, fig = _figure(conn, layers=("etablissements", "mlds", "sieges"), selected="R86-POI")
    size = len(fig.to_json())
    assert size < 600_000, size


def test_selection_and_focus_outlines(conn):
    _, fig = _figure(conn, scope=FULL, code="86", selected="R86-POI")
    names = [t.name for t in fig.data]
    assert "Territoire sélectionné" in names
    assert any(n.startswith("Territoire filtré : Vienne") for n in names)
    assert fig.layout.map.zoom > _figure(conn)[1].layout.map.zoom  # zoomed on the department


def test_selected_code_from_plotly_events():
    codes = ["R86-POI", "R86-CHA"]
    assert charts.selected_code([{"location": "R86-POI", "curve_number": 0}], codes) == "R86-POI"
    assert charts.selected_code([{"customdata": ["0860001A", "x"]}, {"customdata": ["R86-CHA", "y"]}], codes) == "R86-CHA"
    assert charts.selected_code([{"location": "R16-ANG"}], codes) is None
    assert charts.selected_code([], codes) is None


def test_values_table_in_french(conn):
    values = carte_values.indicator_values(conn, FULL, "ACAD", YEAR, "reseau", "raccroches")
    table = charts.values_table(values, "raccroches", "Jeunes raccrochés")
    cells = dict(screen.display_frame(table).select("Code", "Jeunes raccrochés").iter_rows())
    assert cells["R86-SVI"] == "< 5" and cells["R79-BRE"] == "—"
    assert table.columns[-1].kind == "count"  # a number in the downloads


# --- geometry cache ---------------------------------------------------------------------------------


def test_default_breakdown_reuses_the_shipped_shapes(conn):
    breakdown = tq.commune_breakdown(conn, YEAR)
    assert mapgeo.breakdown_fingerprint(breakdown) == mapgeo.default_fingerprint()
    first = mapgeo.level_geometry(breakdown, "reseau")
    assert mapgeo.level_geometry(breakdown, "reseau") is first  # built once


def test_imported_breakdown_gets_its_own_shapes(db_engine):
    with db_engine.begin() as conn:
        conn.execute(insert(db.territoires).values(
            annee_debut=2015, commune_insee="16292", reseau_code="R16-ANG", reseau_nom="Angoulême",
            psad_code="P16-ANG", psad_nom="Angoulême", departement_code="16"))
    with db_engine.connect() as conn:
        old = mapgeo.level_geometry(tq.commune_breakdown(conn, "2014-2015"), "reseau")
        new = mapgeo.level_geometry(tq.commune_breakdown(conn, "2015-2016"), "reseau")
    assert new.fingerprint != old.fingerprint
    old_area = old.shapes.set_index("code").to_crs(2154).area
    new_area = new.shapes.set_index("code").to_crs(2154).area
    assert new_area["R16-ANG"] > old_area["R16-ANG"] and new_area["R16-NCH"] < old_area["R16-NCH"]


def test_short_names_and_view():
    assert mapgeo.short_name("Poitiers") == "Poitiers"
    assert mapgeo.short_name("Rochefort–Marennes-Oléron") == "Rochefort–\nMarennes-Oléron"
    assert mapgeo.short_name("Saint-Jean-d'Angély") == "Saint-Jean-\nd'Angély"
    _, wide = mapgeo.view_for_bounds((-1.6, 45.0, 1.3, 47.2))
    center, narrow = mapgeo.view_for_bounds((0.2, 46.4, 0.6, 46.7))
    assert narrow > wide and 46.4 < center["lat"] < 46.7


# --- static map --------------------------------------------------------------------------------------


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def test_static_png_renders_with_and_without_highlight(engine):
    plain = charts_png = None
    from dashboard.charts.staticmap import render_map_png

    plain = render_map_png(engine, FULL, YEAR, level="reseau", indicator="taux_atteinte", width_px=1200, dpi=150)
    assert _png_size(plain)[0] == 1200
    charts_png = render_map_png(engine, FULL, YEAR, level="psad", indicator="raccroches", highlight="R86-POI",
                                width_px=1200, dpi=150)
    width, height = _png_size(charts_png)
    assert width == 1200 and 600 < height < 1600
    assert charts_png != plain
    with engine.connect() as connection:
        absent = render_map_png(connection, FULL, YEAR, "departement", "absenteisme", "86", type_etab="LP", title="")
    assert _png_size(absent)[0] == 1600


def test_static_png_respects_the_scope(engine):
    from dashboard.charts.staticmap import render_map_png

    with pytest.raises(AccessDenied):
        render_map_png(engine, IEN_86, YEAR, highlight="R16-ANG")
    assert _png_size(render_map_png(engine, IEN_86, YEAR, highlight="R86-CHA", width_px=800, dpi=100))[0] == 800
