"""Cross-checks on the demonstration data (SQLite and PostgreSQL): the same figure is the same in
every view and export, figures add up the territorial tree, the disclosure rule holds wherever a
network or PSAD figure leaves the product, and a scoped user sees nothing of another department.

Views compared, for territories of every level and the school years 2013-2014, 2014-2015 and the
latest one: the figures export (``dashboard.figures``), ``queries.raccrochage`` (situation,
detail), the map (``queries.carte``), the comparison and its ranking (``queries.comparer*``),
absenteeism (``queries.absenteisme``, and raw sums read here from the tables) and the slide deck
(``dashboard.slides``: its content, its chart specs and the PPTX itself).

Tests marked ``xfail(strict=True)`` document a defect found by this audit (the reason says what
and where); they start failing — and must be unmarked — once the product is fixed.
"""

from __future__ import annotations

import io

import polars as pl
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from dashboard import fmt, schoolyear
from dashboard.access.scope import ACADEMIE, AccessDenied, Scope
from dashboard.charts import absenteisme_tables as abs_tables
from dashboard.charts import carte as carte_charts
from dashboard.charts import comparer_export, raccrochage_solutions, raccrochage_tables
from dashboard.disclosure import marks, rule
from dashboard.publish import catalog
from dashboard.publish import columns as publish_columns
from dashboard.publish.figures import flatten, published, render
from dashboard.slides import content as slides_content
from dashboard.slides import deck, keyfigures, series, workbook
from dashboard.store import database, db
from queries import absenteisme as aq
from queries import absenteisme_etablissements as qe
from queries import carte as qc
from queries import carte_values, raccrochage_networks, raccrochage_rules, raccrochage_situation
from queries import comparer as qcmp
from queries import comparer_ranking as qr
from queries import donnees as qd
from queries import raccrochage as rq
from queries import territoires as tq
from queries.figures import territory_figures
from tests.support import cli
from tests.support.decks import charts_of, open_deck, series_values, slide_texts, table_of

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md

FULL = Scope.full("audit")
FIXED_YEARS = ("2013-2014", "2014-2015")
#: Territories of every level, small networks included.
CODES = ("ACAD", "16", "17", "79", "86", "P16-ANG", "P16-COG", "P17-SAI", "P17-ROC", "P86-POI",
         "R16-COG", "R16-NCH", "R17-SAI", "R17-SJA", "R17-ROC", "R86-SVI", "R79-NIO")
#: Decks gathered for every year (a subset of ``CODES``: a deck takes a while on PostgreSQL).
DECK_CODES = ("ACAD", "17", "P16-ANG", "P17-SAI", "R16-COG", "R16-NCH", "R17-SJA", "R17-ROC", "R86-SVI")
MASKED_LEVELS = ("reseau", "psad")
SOLUTIONS = list(raccrochage_rules.SOLUTION_COLUMNS)
EXPORT_COUNTS = ("jeunes_signales", "jeunes_contactes", "entretiens", "solutions_proposees", "raccroches",
                 "contrats_foquale")
IEN79 = Scope.for_role("ien-io", "79", "ien79")
RESEAU_ANG = Scope.for_role("reseau", "R16-ANG", "r")


def limit() -> int:
    return rule.threshold()


def small(value) -> bool:
    """A count the disclosure rule hides (1 to threshold − 1)."""
    return value is not None and not isinstance(value, bool) and 0 < value < limit()


# --- what every test reads: figures export and raw situations of every territory -------------------


def _raw_situations(conn, annee: str) -> dict[str, dict]:
    """Raw (unmasked) situation of every territory, loaded in bulk (académie, its departments and
    networks, then each department's PSAD)."""
    detail = rq.detail(conn, FULL, ACADEMIE, annee)
    rows = {ACADEMIE: detail.situation}
    for frame in (detail.sous_territoires, detail.reseaux):
        rows.update({r["code"]: r for r in frame.iter_rows(named=True)})
    for dep in detail.sous_territoires["code"].to_list():
        rows.update({r["code"]: r for r in raccrochage_situation.situations(conn, FULL, dep, annee).iter_rows(named=True)})
    return rows


@pytest.fixture(scope="module")
def world(demo_engine):
    """Per school year: the breakdown, the figures export and the raw situation of every
    territory, the explicit targets."""
    out = {}
    with demo_engine.connect() as conn:
        latest = tq.school_years(conn)[-1]
        for annee in (*FIXED_YEARS, latest):
            index = tq.territory_index(conn, annee)
            out[annee] = {
                "index": index,
                "figures": {code: territory_figures(conn, FULL, code, annee) for code in index},
                "raw": _raw_situations(conn, annee),
                "explicit": raccrochage_rules.explicit_targets(conn, annee),
            }
    out["years"] = (*FIXED_YEARS, latest)
    return out


@pytest.fixture(scope="module")
def decks(demo_engine, world):
    """Deck contents (without the map image) of ``DECK_CODES`` for every year."""
    with demo_engine.connect() as conn:
        return {(code, annee): slides_content.gather(conn, FULL, code, annee, with_map=False)
                for annee in world["years"] for code in DECK_CODES}


@pytest.fixture(scope="module")
def rendered(decks):
    """The PPTX of PSAD Saintes, 2014-2015 (charts, tiles, a table of networks), read back."""
    content = decks[("P17-SAI", "2014-2015")]
    return content, list(open_deck(deck.render(content)).slides)


def _years(world):
    return world["years"]


def _children(index: dict, code: str) -> list[str]:
    return [t.code for t in index.values() if t.parent_code == code]


def _close(a, b) -> bool:
    """Equal; numbers up to the export's rounding (6 decimals)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return a == pytest.approx(b, rel=1e-9, abs=1e-6)
    return a == b


# === 1. the same figure everywhere =================================================================


EXPORT_TO_SITUATION = {
    "periode_fin": "periode_fin", "jeunes_signales": "jeunes_signales", "jeunes_contactes": "jeunes_contactes",
    "entretiens": "entretiens", "solutions_proposees": "solutions_proposees", "raccroches": "raccroches",
    "contrats_foquale": "contrats_foquale", "objectif": "objectif", "taux_atteinte": "taux_atteinte",
    "taux_contact": "taux_contact", "part_solution": "part_solution", "part_raccroches": "part_raccroches",
    "niveau_attendu": "attendu", "ecart_trajectoire": "ecart", "statut_trajectoire": "statut",
    "projection_fin_annee": "projection", "profil_saisonnier": "profil_source",
}


def test_figures_export_is_the_disclosed_situation(world):
    """Every raccrochage key of the export equals ``raccrochage.situation`` (loaded in bulk here,
    one by one by the export) as published (``published_row``); masked keys are exactly the None ones."""
    for annee in _years(world):
        w = world[annee]
        for code in CODES:
            figures, raw = w["figures"][code], w["raw"][code]
            shown, _marks = raccrochage_rules.published_row(raw)
            assert figures["niveau"] == raw["niveau"] and figures["territoire"] == code
            for key, source in EXPORT_TO_SITUATION.items():
                assert _close(figures[key], shown[source]), (annee, code, key, figures[key], shown[source])
            for column in SOLUTIONS:
                value = figures["raccroches_par_solution"][raccrochage_rules.SOLUTION_KEYS[column]]
                assert value == shown[column], (annee, code, column)
            for key in flatten({k: v for k, v in figures.items() if k != "masque"}):
                if key in figures["masque"]:
                    assert flatten(figures)[key] is None, (annee, code, key)
            if raw["niveau"] not in MASKED_LEVELS:
                assert not [k for k in figures["masque"] if not k.startswith("absenteisme")], (annee, code)


def test_deck_content_equals_the_export(world, decks):
    """The deck's situation is the query's; its charts' specs, tiles and tables carry the
    export's values (masked where the export masks)."""
    for (code, annee), content in decks.items():
        w = world[annee]
        figures, raw = w["figures"][code], w["raw"][code]
        where = (annee, code)
        for key, value in raw.items():
            assert _close(content.situation[key], value), (*where, key)
        for key, source in EXPORT_TO_SITUATION.items():
            assert _close(figures[key], content.shown[source]), (*where, key)
        if content.has_bilans:
            (funnel,) = series.funnel(content).series
            assert funnel.values == [figures[c] for c in raccrochage_rules.FUNNEL_COLUMNS], where
            compare = series.solutions_compare(content)
            by_solution = figures["raccroches_par_solution"]
            assert compare.values_of(annee) == [by_solution[raccrochage_rules.SOLUTION_KEYS[c]] for c in SOLUTIONS], where
            trajectory = series.trajectory(content)
            current = [v for v in trajectory.values_of(series.current_name(content)) if v is not None]
            if figures["raccroches"] is not None:
                assert current[-1] == figures["raccroches"], where
        tiles = {t.label: t.value for t in keyfigures.tiles(content)}
        count = {k: marks.mark_text(figures["secret"][k]) if figures[k] is None else fmt.integer(figures[k])
                 for k in ("raccroches", "jeunes_signales")}
        assert tiles["Raccrochés depuis la rentrée"] == count["raccroches"], where
        assert tiles["Jeunes signalés"] == count["jeunes_signales"], where
        if figures["objectif"] is not None and figures["taux_atteinte"] is not None:
            assert tiles["Taux d'atteinte de l'objectif"] == fmt.percent(figures["taux_atteinte"]), where
        absence = series.absence(content)
        if absence is not None:
            by_type = figures["absenteisme_par_type"]
            expected = [figures["absenteisme_global"] if name == series.ALL_SCHOOLS else
                        by_type[next(k for k, v in aq.TYPE_LABELS.items() if v == name)]
                        for name in absence.categories]
            shown = [None if b is None else round(b, 3) for b in expected]  # the chart holds rates as shown
            assert absence.values_of(annee) == shown, where
            overall = figures["absenteisme_global"]
            assert tiles["Absentéisme (tous établissements)"] == (
                "s" if "absenteisme_global" in figures["masque"] else fmt.percent(overall)), where
        for frame in (content.sous_territoires, content.reseaux):
            for row in frame.iter_rows(named=True):
                child = w["figures"][row["code"]]
                for key in ("raccroches", "objectif", "taux_atteinte", "periode_fin"):
                    assert _close(row[key], child[key]), (*where, row["code"], key)
                assert row["statut"] == child["statut_trajectoire"], (*where, row["code"])


def _slide_index(content, key: str) -> int:
    return deck.slide_plan(content).index(key)


def test_pptx_charts_tables_and_tiles_hold_the_content(rendered):
    """The PPTX itself (read back with python-pptx): every native chart's series are the spec's
    values, every table cell the table's text, every tile's value is on the key-figures slide."""
    content, pages = rendered
    builders = {"trajectoire": [series.trajectory], "solutions": [series.solutions_by_period, series.solutions_compare],
                "entonnoir": [series.funnel], "absenteisme": [series.absence]}
    for key, specs in builders.items():
        charts = charts_of(pages[_slide_index(content, key)])
        assert len(charts) == len(specs), key
        for chart, build in zip(charts, specs, strict=True):
            spec = build(content)
            values = series_values(chart)
            assert list(values) == [s.name for s in spec.series], key
            for s in spec.series:
                assert values[s.name] == pytest.approx([None if v is None else float(v) for v in s.values],
                                                       nan_ok=True), (key, s.name)
    table = table_of(pages[_slide_index(content, "territoires")])
    rows = series.table_rows(content.sous_territoires)
    assert [c.text for c in table.rows[0].cells] == series.table_header(content.situation["phase"])
    assert [[c.text for c in r.cells] for r in list(table.rows)[1:]] == [r["cells"] for r in rows]
    texts = " ".join(slide_texts(pages[_slide_index(content, "chiffres")]))
    for tile in keyfigures.tiles(content):
        assert tile.value in texts, tile.label


def test_map_values_and_key_figures_equal_the_export(demo_engine, world):
    """Every map indicator (all levels) equals the export's figure of the territory, with the
    same masked/missing state; the side panel's key figures are the export's."""
    def expected(figures, indicator, population, type_etab=None):
        if indicator == "absenteisme":
            key = f"absenteisme_par_type.{type_etab}" if type_etab else "absenteisme_global"
            value = flatten(figures).get(key)
        elif indicator == "signales_10000":
            key = "jeunes_signales"
            value = figures[key] / population * 10_000 if figures[key] is not None else None
        else:
            key, value = indicator, figures[indicator]
        if key in figures["masque"]:
            return carte_values.MASKED, None
        return (carte_values.MISSING, None) if value is None else (carte_values.OK, value)

    with demo_engine.connect() as conn:
        for annee in _years(world):
            w = world[annee]
            indicators = list(carte_values.INDICATORS) if annee == "2014-2015" else ["taux_atteinte", "absenteisme"]
            for level in carte_values.MAP_LEVELS:
                for indicator in indicators:
                    types = (None, "LP", "EREA") if indicator == "absenteisme" and annee == "2014-2015" else (None,)
                    for type_etab in types:
                        values = carte_values.indicator_values(conn, FULL, ACADEMIE, annee, level, indicator, type_etab)
                        assert sorted(values["code"]) == sorted(t.code for t in w["index"].values()
                                                                if t.niveau == level)
                        for row in values.iter_rows(named=True):
                            t = w["index"][row["code"]]
                            state, value = expected(w["figures"][t.code], indicator, t.population, type_etab)
                            assert (row["etat"], True) == (state, _close(row["valeur"], value)), \
                                (annee, level, indicator, type_etab, t.code, row["valeur"], value)
            for code in ("ACAD", "17", "P16-ANG", "R16-NCH", "R17-SAI") if annee == "2014-2015" else ():
                panel = qc.key_figures(conn, FULL, code, annee)
                figures = w["figures"][code]
                for key in qc.KEY_FIGURES:
                    if key != "signales_10000":
                        assert _close(panel[key], figures[key]), (annee, code, key)
                assert set(figures["masque"]) <= set(panel["masque"])


def test_ranking_and_comparison_equal_the_export(demo_engine, world):
    """The ranking (bulk path) of every level and the comparison table carry, for every territory,
    the indicators ``comparer.indicator_values`` derives from that territory's figures export."""
    with demo_engine.connect() as conn:
        for annee in _years(world):
            w = world[annee]
            for level in qcmp.RANKING_LEVELS:
                ranking = qr.level_values(conn, FULL, annee, level)
                codes = [t.code for t in w["index"].values() if t.niveau == level]
                assert sorted(ranking["code"].unique()) == sorted(codes)
                for code in codes:
                    expected = qcmp.indicator_values(w["figures"][code], w["index"][code].population)
                    rows = ranking.filter(pl.col("code") == code)
                    for key, value, masked in rows.select("indicateur", "valeur", "masque").iter_rows():
                        assert _close(value, expected[key][0]) and masked == expected[key][1], \
                            (annee, level, code, key, value, expected[key])
        annee = "2014-2015"
        for selection in (["P16-ANG", "R16-ANG", "R16-NCH"], ["R16-COG", "R17-SAI", "R17-ROC", "79", "86"]):
            comp = qcmp.comparison(conn, FULL, selection, annee)
            for code in [*selection, ACADEMIE]:
                expected = qcmp.indicator_values(world[annee]["figures"][code], world[annee]["index"][code].population)
                for key, (value, _masked) in expected.items():
                    assert _close(comp.value(code, key), value), (code, key)


# === 2. sums up the tree =============================================================================


def test_counts_and_targets_add_up_the_tree(world):
    """Networks add up to their PSAD, PSAD to their department, departments to the académie (every
    count since the rentrée, raccrochés by solution included); the date of the data is the latest
    network's; a target is the explicit one, else the sum of the children's — in the demo every
    explicit target also equals the sum of its networks'."""
    for annee in _years(world):
        w = world[annee]
        index, raw, explicit = w["index"], w["raw"], w["explicit"]
        for code in index:
            kids = _children(index, code)
            if not kids:
                continue
            for column in raccrochage_rules.COUNT_COLUMNS:
                assert raw[code][column] == sum(raw[k][column] or 0 for k in kids), (annee, code, column)
            assert raw[code]["periode_fin"] == max(raw[k]["periode_fin"] for k in kids), (annee, code)
            children_sum = sum(raw[k]["objectif"] for k in kids)
            assert raw[code]["objectif"] == explicit.get(code, children_sum), (annee, code)
            assert raw[code]["objectif"] == children_sum, (annee, code, "target ≠ sum of the children's")
            assert w["figures"][code]["objectif"] == raw[code]["objectif"]
        assert not [c for c in explicit if index[c].niveau == "psad"]  # PSAD targets are always derived


N1_KEYS = tuple(f"{c}_n1" for c in raccrochage_networks.N1_COLUMNS)


def test_same_date_last_year_adds_up_the_tree(world):
    """« Same date last year » counts (``*_n1``) of a PSAD, a department and the académie equal the
    sums of their networks' (each network cumulated up to the same month as its own data)."""
    mismatches = []
    for annee in _years(world):
        index, raw = world[annee]["index"], world[annee]["raw"]
        for code, territory in index.items():
            if territory.niveau == "reseau":
                continue
            for key in N1_KEYS:
                values = [raw[r][key] for r in territory.reseaux]
                expected = None if all(v is None for v in values) else sum(v or 0 for v in values)
                if raw[code][key] != expected:
                    mismatches.append((annee, code, key, raw[code][key], expected))
    assert not mismatches


#: Territories whose absenteeism is recomputed from the raw tables (every level, small networks).
ABSENCE_CODES = ("ACAD", "86", "P16-ANG", "P17-SAI", "R16-NCH", "R17-SJA", "R86-SVI", "R79-NIO")


def _absence_rows(conn, annee: str) -> pl.DataFrame:
    """Raw monthly rows of every school (``annee`` and the previous school year) read from the
    ``absenteisme`` and ``etablissements`` tables, with the school's type, its network (its own,
    else its commune's in the breakdown of ``annee``) and the month's rank in the school year."""
    a, e = db.absenteisme, db.etablissements
    months = pl.DataFrame(
        conn.execute(select(a.c.uai, a.c.annee_scolaire, a.c.mois, a.c.effectif, a.c.eleves_absenteistes)
                     .where(a.c.annee_scolaire.in_([annee, schoolyear.previous_year(annee)]))).all(),
        schema={"uai": pl.String, "annee_scolaire": pl.String, "mois": pl.String, "effectif": pl.Int64,
                "absents": pl.Int64}, orient="row")
    schools = pl.DataFrame(conn.execute(select(e.c.uai, e.c.type, e.c.reseau_code, e.c.commune_insee)).all(),
                           schema={"uai": pl.String, "type": pl.String, "reseau_code": pl.String,
                                   "commune_insee": pl.String}, orient="row")
    communes = tq.commune_breakdown(conn, annee).select("commune_insee", pl.col("reseau_code").alias("reseau_commune"))
    return (months.join(schools, on="uai").join(communes, on="commune_insee", how="left")
            .with_columns(pl.coalesce("reseau_code", "reseau_commune").alias("reseau"),
                          ((pl.col("mois").str.slice(5, 2).cast(pl.Int64) - 9) % 12).alias("rang")))


def _rate_of_sums(rows: pl.DataFrame) -> tuple[float | None, bool]:
    """(Σ absentees / Σ enrolment, masked): masked when the mean monthly absentees are 1 to the
    threshold − 1 or the mean monthly enrolment is under the threshold (one month: its counts)."""
    months = rows["mois"].n_unique()
    absents, enrolled = rows["absents"].sum(), rows["effectif"].sum()
    masked = 0 < absents / months < limit() or enrolled / months < limit()
    return (None if masked or not enrolled else absents / enrolled), masked


def _published_rate(rate: float | None, exact: float | None) -> bool:
    """``rate`` is ``exact`` at the declared precision of a rate (0,1 %: 3 decimals of a fraction;
    a value halfway may go either way in binary floating point)."""
    if rate is None or exact is None:
        return rate is None and exact is None
    return rate == pytest.approx(round(rate, 3), abs=1e-12) and abs(rate - exact) <= 0.0005 + 1e-9


def test_absenteeism_rates_are_ratios_of_sums(demo_engine, world):
    """Absenteeism rates of ``queries.absenteisme`` — over the year per school type and for all
    schools, the previous year over the same months, monthly, the sub-territories table — and of
    the figures export are Σ absentees / Σ enrolment recomputed here from the raw tables (never a
    mean of rates), None where the disclosure rule masks them."""
    problems = []

    def check(where, rate, masked, rows):
        expected, hidden = _rate_of_sums(rows)
        # a small count is always masked; a rate may also be masked by the year's decision (a
        # complementary mask); a shown rate is the ratio of sums at its declared precision (0,1 %)
        if hidden and not masked or not masked and not _published_rate(rate, expected):
            problems.append((*where, rate, masked, expected, hidden))

    def of(rows: pl.DataFrame, group: str) -> pl.DataFrame:
        return rows if group == aq.ALL else rows.filter(pl.col("type") == group)

    with demo_engine.connect() as conn:
        for annee in _years(world):
            index, figures = world[annee]["index"], world[annee]["figures"]
            previous = schoolyear.previous_year(annee)
            raw = _absence_rows(conn, annee)
            for code in ABSENCE_CODES:
                mine = raw.filter(pl.col("reseau").is_in(list(index[code].reseaux)))
                current = mine.filter(pl.col("annee_scolaire") == annee)
                same_months = mine.filter((pl.col("annee_scolaire") == previous)
                                          & pl.col("rang").is_in(current["rang"].unique().to_list()))
                cube = aq.cube(conn, FULL, code, annee)
                yearly = cube.yearly("type").vstack(cube.yearly(""))
                assert sorted(yearly["groupe"]) == sorted({*current["type"].unique(), aq.ALL}), (annee, code)
                for row in yearly.iter_rows(named=True):
                    group, where = row["groupe"], (annee, code, row["groupe"])
                    check(where, row["taux"], row["masque"], of(current, group))
                    before = of(same_months, group)
                    if before.is_empty():
                        assert row["taux_precedent"] is None, where
                    else:
                        check((*where, "N-1"), row["taux_precedent"], row["masque_precedent"], before)
                    if row["taux"] is not None and row["taux_precedent"] is not None:
                        assert _close(row["evolution"], row["taux"] - row["taux_precedent"]), where
                    exported = (figures[code]["absenteisme_global"] if group == aq.ALL
                                else figures[code]["absenteisme_par_type"].get(group))
                    assert _close(exported, row["taux"]), (*where, "figures export")
                monthly = cube.monthly("type")
                cells = {key: part for key, part in mine.group_by("type", "annee_scolaire", "mois")}
                assert monthly.height == len(cells), (annee, code)
                for row in monthly.iter_rows(named=True):
                    key = (row["groupe"], row["annee_scolaire"], row["mois"])
                    check((annee, code, *key), row["taux"], row["masque"], cells[key])
                children = aq.children_rates(conn, FULL, code, annee)
                assert set(children["territoire_code"]) <= set(_children(index, code)), (annee, code)
                assert children.is_empty() == (index[code].niveau == "reseau"), (annee, code)
                for row in children.iter_rows(named=True):
                    kid = index[row["territoire_code"]]
                    rows = of(current.filter(pl.col("reseau").is_in(list(kid.reseaux))), row["groupe"])
                    check((annee, code, kid.code, row["groupe"]), row["taux"], row["masque"], rows)
    assert not problems


# === 3. disclosure: no count 1–4 of a network or PSAD leaves the product ==============================


def _derived_flows(cumulative) -> list[tuple[int, float]]:
    """The per-period flows a reader gets from a cumulative series as shown (None = hidden):
    ``(i, flow of period i)`` for every period whose cumulative and the previous period's are
    both shown (their difference), and for the first period when its cumulative is shown (the
    cumulative starts from 0 at the rentrée, so its first value is the first period's flow)."""
    values = [None if v is None or (isinstance(v, float) and v != v) else v for v in cumulative]
    out = [(0, values[0])] if values and values[0] is not None else []
    out += [(i, values[i] - values[i - 1]) for i in range(1, len(values))
            if values[i] is not None and values[i - 1] is not None]
    return out


def _count(value):
    """A count as a table or a file holds it: a number, or French text ("1 234"); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        digits = value.replace(fmt.THOUSANDS, "").replace(fmt.NBSP, "").replace(" ", "")
        return int(digits) if digits.isdigit() else None
    return None


def _small_counts(rows, columns, code_column: str, index: dict, where: tuple, seen: set | None = None) -> list:
    """``(where…, code, column, value)`` for every count 1–4 in ``columns`` of a row (frame rows
    or dicts) whose ``code_column`` is a network or a PSAD. ``seen`` gets ``where[0]`` once a
    count of such a row was read (so a check cannot pass on a table it does not understand)."""
    if isinstance(rows, pl.DataFrame):
        rows = rows.iter_rows(named=True)
    out = []
    for row in rows:
        territory = index.get(row.get(code_column))
        if territory is None or territory.niveau not in MASKED_LEVELS:
            continue
        counts = {c: _count(row[c]) for c in columns if c in row}
        if seen is not None and any(v is not None for v in counts.values()):
            seen.add(where[0])
        out += [(*where, territory.code, c, row[c]) for c, v in counts.items() if small(v)]
    return out


def _sheet_rows(sheet) -> list[dict]:
    """The rows of a worksheet as dicts keyed by the header (first row)."""
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, values, strict=False)) for values in sheet.iter_rows(min_row=2, values_only=True)]


#: Count columns of the raccrochage tables (headers of their CSV/XLSX) and of the deck's tables.
TABLE_COUNT_COLUMNS = [c for c in raccrochage_tables.EXPORT_COLUMNS if catalog.RACCROCHAGE[c].kind == publish_columns.Kind.COUNT]
COUNT_HEADERS = [catalog.RACCROCHAGE[c].header for c in TABLE_COUNT_COLUMNS]


def _dicts(table) -> list[dict]:
    """The rows of a declared table (``dashboard.publish.Table``) keyed by their headers, with the
    values its files hold (masked cells are None)."""
    headers = {c.key: c.header for c in table.columns}
    return [{headers[k]: v for k, v in row.items()} for row in table.frame.iter_rows(named=True)]


def _csv_table(data: bytes) -> list[dict]:
    """The table of a published CSV (its provenance follows an empty line)."""
    import csv

    text = data.decode("utf-8-sig").split("\r\n\r\n")[0]
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_figures_export_has_no_small_count(world):
    """For every network and PSAD and year, no count of the figures export (raccrochés by
    solution included) is 1–4; a masked key is None and listed in ``masque``, and every count the
    export withholds is listed there."""
    leaks = []
    for annee in _years(world):
        w = world[annee]
        for code, territory in w["index"].items():
            if territory.niveau not in MASKED_LEVELS:
                continue
            figures, raw = w["figures"][code], w["raw"][code]
            flat, masked = flatten({k: v for k, v in figures.items() if k != "masque"}), set(figures["masque"])
            assert masked <= set(flat), (annee, code, masked - set(flat))
            leaks += [(annee, code, key, "masked but shown", flat[key]) for key in masked if flat[key] is not None]
            counts = {**{k: k for k in EXPORT_COUNTS},
                      **{f"raccroches_par_solution.{raccrochage_rules.SOLUTION_KEYS[c]}": c for c in SOLUTIONS}}
            for key, column in counts.items():
                if small(flat[key]):
                    leaks.append((annee, code, key, flat[key]))
                if flat[key] is None and raw[column] is not None and key not in masked:
                    leaks.append((annee, code, key, "withheld but not listed in masque"))
    assert not leaks


def test_figures_cli_writes_the_export(demo_sqlite_url, tmp_path):
    """``python -m dashboard.figures … --out X.json`` writes the JSON of ``territory_figures``
    (full scope without ``--utilisateur``), byte for byte the export's rendering."""
    import json

    out = tmp_path / "R17-ROC.json"
    result = cli.run_subprocess("dashboard.figures", "--database-url", demo_sqlite_url, "--annee", "2014-2015",
                                "--territoire", "R17-ROC", "--out", str(out))
    assert result.returncode == 0, result.stderr
    engine = database.make_engine(demo_sqlite_url)
    try:
        with engine.connect() as conn:
            expected = territory_figures(conn, FULL, "R17-ROC", "2014-2015")
    finally:
        engine.dispose()
    assert json.loads(out.read_text(encoding="utf-8")) == published(expected)
    assert out.read_bytes() == render(expected, ".json")


#: A comparison of PSAD and networks, small ones included (at most six territories).
COMPARED = ["P16-ANG", "R16-ANG", "R16-NCH", "P16-COG", "R17-SJA", "R86-SVI"]


def test_page_exports_have_no_small_count(demo_engine, world):
    """The frames the pages let users download hold no count 1–4 of a network or PSAD: the
    Raccrochage tables (every view, ``export_frame`` of ``Detail.publie``), the comparison's
    CSV and XLSX (« Indicateurs », « Classement » of networks and of PSAD), the map's values table,
    and the Absentéisme exports (by school type, sub-territories, schools)."""

    leaks, seen = [], set()
    count_indicators = [i.label for i in qcmp.INDICATORS if i.kind == "count"]
    with demo_engine.connect() as conn:
        for annee in _years(world):
            index = world[annee]["index"]
            # Raccrochage page (pages/raccrochage.py ``table``)
            for code in CODES:
                d = rq.detail(conn, FULL, code, annee)
                if index[code].niveau == "reseau":
                    frames = {"reseau": d.publie.own_frame()}
                else:
                    frames = {"children": d.publie.sous_territoires, "reseaux": d.publie.reseaux}
                for view, frame in frames.items():
                    export = _dicts(raccrochage_tables.export_table(frame))
                    leaks += _small_counts(export, COUNT_HEADERS, "Code", index,
                                           ("raccrochage", annee, code, view), seen)
            # Comparer page: CSV, then the XLSX with the ranking of networks and of PSAD
            comp = qcmp.comparison(conn, FULL, COMPARED, annee)
            rows = _csv_table(comparer_export.to_csv_bytes(comp))
            leaks += _small_counts(rows, count_indicators, "Code", index, ("comparer csv", annee), seen)
            for level in ("reseau", "psad"):
                ranked = qr.ranking(qr.level_values(conn, FULL, annee, level), "raccroches")
                book = load_workbook(io.BytesIO(comparer_export.to_xlsx_bytes(
                    comp, ranked, "raccroches", tq.LEVEL_LABELS_PLURAL[level])))
                for name in (comparer_export.SHEET_VALUES, comparer_export.SHEET_RANKING):
                    leaks += _small_counts(_sheet_rows(book[name]), count_indicators, "Code", index,
                                           ("comparer xlsx", annee, level, name), seen)
            # Carte page: the values table of the count indicator, networks and PSAD
            for level in ("reseau", "psad"):
                values = carte_values.indicator_values(conn, FULL, ACADEMIE, annee, level, "raccroches")
                label = carte_values.indicator_label("raccroches")
                table = _dicts(carte_charts.values_table(values, "raccroches", label))
                leaks += _small_counts(table, [label], "Code", index, ("carte", annee, level), seen)
            # Absentéisme page: by school type (a network or PSAD), sub-territories, schools
            for code in CODES:
                territory = index[code]
                if territory.niveau in MASKED_LEVELS:
                    yearly = abs_tables.yearly_export(aq.yearly_rates(conn, FULL, code, annee, "type"), annee,
                                                      territory.label)
                    rows = [dict(r, code=code) for r in _dicts(yearly)]
                    leaks += _small_counts(rows, ["Effectif moyen"], "code", index, ("absenteisme types", annee),
                                           seen)
                if territory.niveau != "reseau":
                    subs = abs_tables.children_export(aq.children_rates(conn, FULL, code, annee), annee)
                    leaks += _small_counts(_dicts(subs), ["Effectif moyen"], "Code territoire", index,
                                           ("absenteisme territoires", annee, code), seen)
                if territory.niveau == "reseau":
                    table = qe.school_view(conn, FULL, code, annee).table
                    schools = abs_tables.schools_export(table, annee, schoolyear.previous_year(annee))
                    rows = [dict(r, code=code) for r in _dicts(schools)]
                    leaks += _small_counts(rows, ["Effectif moyen", "Absentéistes par mois (moyenne)"], "code",
                                           index, ("absenteisme etablissements", annee), seen)
    assert seen == {"raccrochage", "comparer csv", "comparer xlsx", "carte", "absenteisme types",
                    "absenteisme territoires", "absenteisme etablissements"}, seen
    assert not leaks


def test_deck_tables_charts_and_workbook_have_no_small_count(world, decks):
    """No count 1–4 of a network or PSAD in a deck: its tables of territories (values and the
    slide's cells), the series of its count charts (trajectory, solutions by period, solutions
    this year and last year, funnel) and the figures workbook of the Dialogue de gestion page."""
    tile_counts = ("Raccrochés depuis la rentrée", "Jeunes signalés")
    chart_sheets = ("Solutions par période", "Solutions N et N-1", "Entonnoir")
    leaks, seen = [], set()
    for (code, annee), content in decks.items():
        index, where = world[annee]["index"], (code, annee)
        columns = series.table_columns(content.situation["phase"])
        table_counts = [c for c in columns if c in TABLE_COUNT_COLUMNS]
        for frame in (content.sous_territoires, content.reseaux):
            leaks += _small_counts(frame, [c for c in raccrochage_rules.DISCLOSED_COUNTS if c in frame.columns], "code", index,
                                   ("table", *where), seen)
            cells = [dict(zip(columns, r["cells"], strict=True), code=r["code"])
                     for r in series.table_rows(frame)]
            leaks += _small_counts(cells, table_counts, "code", index, ("slide table", *where), seen)
        book = load_workbook(io.BytesIO(workbook.xlsx_bytes(content)))
        for name in ("Territoires", "Réseaux"):
            if name in book.sheetnames:
                leaks += _small_counts(_sheet_rows(book[name]), COUNT_HEADERS, "Code", index, (name, *where), seen)
        if content.territory.niveau not in MASKED_LEVELS:
            continue
        cumulative = {series.current_name(content), series.previous_name(content)}
        for build in (series.trajectory, series.solutions_by_period, series.solutions_compare, series.funnel):
            spec = build(content)
            for s in spec.series if spec is not None else ():
                if build is not series.trajectory or s.name in cumulative:
                    seen.update(["charts"] if any(v is not None for v in s.values) else [])
                    leaks += [(*where, build.__name__, s.name, i, v) for i, v in enumerate(s.values) if small(v)]
        trajectory = series.trajectory_sheet(content.situation["phase"])  # named by the year
        for name in [n for n in (trajectory, *chart_sheets) if n in book.sheetnames]:
            key = "trajectory sheet" if name == trajectory else name
            for row in _sheet_rows(book[name]):  # the trajectory sheet: not the target's columns
                counts = {c: v for c, v in row.items() if (key != "trajectory sheet" or c in cumulative)
                          and isinstance(v, int | float) and not isinstance(v, bool)}
                seen.update([key] if counts else [])
                leaks += [(*where, name, c, v) for c, v in counts.items() if small(v)]
        for row in _sheet_rows(book["Chiffres clés"]):  # numbers, with their formats
            if row["Indicateur"] in tile_counts and _count(row["Valeur"]) is not None:
                seen.add("Chiffres clés")
                if small(_count(row["Valeur"])):
                    leaks.append((*where, "Chiffres clés", row["Indicateur"], row["Valeur"]))
    assert seen == {"table", "slide table", "Territoires", "Réseaux", "charts", "trajectory sheet", *chart_sheets,
                    "Chiffres clés"}, seen
    assert not leaks


def test_deck_trajectory_does_not_give_masked_flows_away(decks):
    leaks = []
    for (code, annee), content in decks.items():
        if content.territory.niveau not in MASKED_LEVELS:
            continue
        spec = series.trajectory(content)
        if spec is None:
            continue
        for name in (series.current_name(content), series.previous_name(content)):
            if name in [s.name for s in spec.series]:
                leaks += [(code, annee, name, i, f) for i, f in _derived_flows(spec.values_of(name)) if small(f)]
    closed = decks[("R16-NCH", "2014-2015")]
    sheet = _dicts(workbook.sheets(closed)[series.trajectory_sheet(closed.situation["phase"])])
    cumulative = [row[series.current_name(closed)] for row in sheet]
    leaks += [("R16-NCH xlsx", i, f) for i, f in _derived_flows(cumulative) if small(f)]
    assert not leaks


def test_comparison_trajectories_do_not_give_masked_flows_away(demo_engine):
    with demo_engine.connect() as conn:
        frame = qcmp.trajectories(conn, FULL, ["R16-NCH", "R17-SJA"], "2014-2015")
    leaks = []
    for code in ("R16-NCH", "R17-SJA"):
        cumulative = frame.filter(pl.col("code") == code).sort("rang")["raccroches_cumul"].to_list()
        leaks += [(code, i, f) for i, f in _derived_flows(cumulative) if small(f)]
    assert not leaks


def _recoverable(raw: list[list[int]], shown: list[list[int | None]], row_totals: list, col_totals: list) -> set:
    """Masked cells of a two-way table whose value a reader can recompute from the shown cells and
    the shown row/column totals (a line with one unknown cell, or unknown cells summing to their
    count: all 1), propagated until nothing changes. Returns the (row, column) recovered with a
    value under the threshold."""
    known = [list(r) for r in shown]
    lines = [([(r, c) for c in range(len(raw[0]))], row_totals[r]) for r in range(len(raw))]
    lines += [([(r, c) for r in range(len(raw))], col_totals[c]) for c in range(len(raw[0]))]
    found: set = set()
    changed = True
    while changed:
        changed = False
        for cells, total in lines:
            unknown = [(r, c) for r, c in cells if known[r][c] is None]
            if total is None or not unknown:
                continue
            rest = total - sum(known[r][c] for r, c in cells if known[r][c] is not None)
            if len(unknown) == 1 or rest == len(unknown):
                for r, c in unknown:
                    known[r][c] = raw[r][c]
                    found.add((r, c))
                changed = True
    return {(r, c) for r, c in found if small(raw[r][c])}


def _period_grid_leaks(raw_periods: pl.DataFrame, periods: pl.DataFrame, year_totals: dict) -> set:
    """Leaks of a disclosed period × solution table whose rows add up to the period's raccrochés
    (shown, or given by two consecutive cumulatives) and columns to the year's raccrochés by
    solution (``year_totals``, as shown)."""
    flows, cumulative = periods["raccroches"].to_list(), periods["raccroches_cumul"].to_list()
    derived = dict(_derived_flows(cumulative))
    row_totals = [f if f is not None else derived.get(i) for i, f in enumerate(flows)]
    return _recoverable([list(r) for r in raw_periods.select(SOLUTIONS).rows()],
                        [list(r) for r in periods.select(SOLUTIONS).rows()],
                        row_totals, [year_totals[c] for c in SOLUTIONS])


def test_raccrochage_page_period_tables_protect_masked_cells(demo_engine, world):
    """A network or a PSAD publishes the raccrochés of each period, not their split by type (too few
    young people per period and type): the disclosed period series carry no type, its cumulatives
    give no small flow away, and the year's secrecy decision passes the audit (``test_disclosure_audit``)."""

    with demo_engine.connect() as conn:
        for annee in _years(world):
            for code in [c for c in CODES if world[annee]["index"][c].niveau in MASKED_LEVELS]:
                d = rq.detail(conn, FULL, code, annee)
                if d.periodes.is_empty():
                    continue
                periods = d.publie.periodes
                assert not raccrochage_solutions.types_published(periods), (annee, code)
                assert all(v is None for c in SOLUTIONS for v in periods[c].to_list()), (annee, code)
                assert not [v for v in periods["raccroches"].to_list() if small(v)], (annee, code)
                for year, part in d.publie.historique.group_by("annee_scolaire"):
                    cumulative = part.sort("periode_fin")["raccroches_cumul"].to_list()
                    assert not [f for _, f in _derived_flows(cumulative) if small(f)], (annee, code, year)


def test_deck_period_charts_of_small_territories_show_periods_not_types(decks):
    """A deck of a network or a PSAD draws each period's raccrochés (one series), no small count."""
    for (code, annee), content in decks.items():
        if content.territory.niveau not in MASKED_LEVELS or content.periodes.is_empty():
            continue
        spec = series.solutions_by_period(content)
        assert [s.name for s in spec.series] == ["Raccrochés dans la période"], (code, annee)
        assert not [v for v in spec.series[0].values if small(v)], (code, annee)


def test_masked_figures_cannot_be_recomputed_from_parent_and_siblings(world):
    """A masked network (or PSAD) count cannot be recomputed from its parent's and its siblings'
    (networks add up to their PSAD, PSAD to their department): complementary suppression
    (``queries/raccrochage_suppression.py``). Once a defect of this audit (e.g. 2014-2015: R16-NCH
    « structure innovante » = P16-ANG 13 − R16-ANG 11 = 2), now fixed."""
    leaks = []
    for annee in _years(world):
        w = world[annee]
        flat = {code: flatten(f) for code, f in w["figures"].items()}
        for parent in w["index"]:
            kids = _children(w["index"], parent)
            if len(kids) < 2:
                continue
            for key, total in flat[parent].items():
                if not key.startswith(("raccroches_par_solution.", *EXPORT_COUNTS)) or total is None:
                    continue
                unknown = [k for k in kids if flat[k].get(key) is None]
                if len(unknown) == 1:
                    value = total - sum(flat[k][key] for k in kids if k not in unknown)
                    leaks.append((annee, unknown[0], key, value))
    assert not leaks


def test_comparison_default_selection_of_a_psad_shows_parent_and_children(demo_engine):
    """(Context of the test above.) The comparison of a PSAD opens on the PSAD and its networks,
    shares of solution types included."""
    with demo_engine.connect() as conn:
        index = {t.code: t for t in tq.visible_territories(conn, FULL, "2014-2015")}
        assert qcmp.default_selection(index, "P16-ANG") == ["P16-ANG", "R16-ANG", "R16-NCH"]


def test_map_absenteeism_sums_do_not_give_a_masked_type_away(demo_engine):
    leaks = []
    with demo_engine.connect() as conn:
        for level in ("reseau", "psad"):
            views = {t: carte_values.indicator_values(conn, FULL, ACADEMIE, "2014-2015", level, "absenteisme", t)
                     for t in (None, *db.SCHOOL_TYPES)}
            for row in views[None].filter(pl.col("etat") == carte_values.OK).iter_rows(named=True):
                parts = {t: views[t].filter(pl.col("code") == row["code"]).row(0, named=True)
                         for t in db.SCHOOL_TYPES}
                hidden = [t for t, p in parts.items() if p["etat"] == carte_values.MASKED]
                shown = [p["numerateur"] for p in parts.values() if p["etat"] == carte_values.OK]
                if len(hidden) == 1 and row["numerateur"] is not None and None not in shown:
                    absent = row["numerateur"] - sum(p["numerateur"] or 0 for p in parts.values())
                    leaks.append((level, row["code"], hidden[0], absent))
    assert not leaks


def test_raccrochage_page_of_a_small_network_shows_no_small_count(app_test):
    """AppTest of the Raccrochage page of R16-NCH (2014-2015): no count 1–4 in its metrics and
    table, no masked flow derivable from the cumulative line of its trajectory chart."""
    import json

    at = app_test("raccrochage", annee="2014-2015", territoire="R16-NCH")
    assert not at.exception
    for metric in at.metric:
        assert not (metric.value.isdigit() and small(int(metric.value))), metric.label
    for frame in at.dataframe:
        for column in [c for c in frame.value.columns if c != "Statut"]:  # the status holds its sort order
            for value in frame.value[column].tolist():
                assert not (isinstance(value, int | float) and value == value and small(value)
                            and float(value).is_integer()), column
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    current = next(t for t in specs[0]["data"] if t.get("name") == "2014-2015")
    assert not [f for _, f in _derived_flows(current["y"]) if small(f)]
    assert None in current["y"]  # the cumulatives around the masked flows are hidden
    for spec in specs:  # counts drawn (bars, lines, funnel); not the target line nor the shares (in %)
        for trace in spec["data"]:
            if trace.get("name") == "Trajectoire de l'objectif" or trace.get("orientation") == "h":
                continue
            values = trace.get("x" if trace.get("type") == "funnel" else "y") or []
            numbers = [v for v in values if isinstance(v, int | float)]
            assert not [v for v in numbers if small(v)], (trace.get("name"), numbers)


# === 4. scope ===========================================================================================


def _allowed(index, scope) -> set[str]:
    return {code for code in index if tq.can_view(index, scope, code)}


def _detail(index, scope) -> set[str]:
    return {code for code in index if tq.can_view_detail(index, scope, code)}


@pytest.mark.parametrize("scope", [IEN79, RESEAU_ANG], ids=["ien79", "reseau-R16-ANG"])
def test_scoped_user_sees_nothing_of_another_department(demo_engine, world, scope):
    """For an IEN-IO of Deux-Sèvres and the Angoulême network: every query, export, ranking, map
    layer and deck holds only territories of the user's own chain (their detail, their
    ancestors' aggregates); anything else is refused."""
    annee = "2014-2015"
    with demo_engine.connect() as conn:
        index = tq.territory_index(conn, annee)
        allowed, detail = _allowed(index, scope), _detail(index, scope)
        networks = {c for c in detail if index[c].niveau == "reseau"}
        visible = {t.code for t in tq.visible_territories(conn, scope, annee)}
        assert visible == allowed
        assert all(tq.is_within(index, c, scope.territoire_code) or c in tq.ancestors(index, scope.territoire_code)
                   for c in visible)
        for code in sorted(visible):
            d = rq.detail(conn, scope, code, annee)
            assert set(d.sous_territoires["code"]) | set(d.reseaux["code"]) <= detail, code
            data = qc.map_data(conn, scope, code, annee, "reseau", "taux_atteinte", None,
                               ("etablissements", "mlds", "sieges"))
            shown = data.values.filter(pl.col("etat") != carte_values.OUT_OF_SCOPE)
            assert set(shown["code"]) <= allowed, code
            hidden = data.values.filter(pl.col("etat") == carte_values.OUT_OF_SCOPE)
            assert hidden.select(pl.all_horizontal(pl.col("valeur", "numerateur", "denominateur", "population")
                                                   .is_null().all())).item(), code
            assert set(data.schools["reseau_code"]) <= networks and set(data.mlds["reseau_code"]) <= networks
            assert set(data.seats["reseau_code"]) <= allowed
            assert set(aq.children_rates(conn, scope, code, annee)["territoire_code"]) <= detail
            assert set(qd.bilan_freshness(conn, scope, code, annee)["reseau_code"]) <= networks
            if code in detail:
                assert set(qe.school_view(conn, scope, code, annee).table["reseau"]) <= networks
            else:
                with pytest.raises(AccessDenied):
                    qe.school_view(conn, scope, code, annee)
            figures = territory_figures(conn, scope, code, annee)
            assert figures == world[annee]["figures"][code]  # aggregates: the académie's figures
        for level in qcmp.RANKING_LEVELS:
            assert set(qr.level_values(conn, scope, annee, level)["code"]) <= allowed
        comp = qcmp.comparison(conn, scope, sorted(visible)[:6], annee)
        assert set(comp.cells["code"]) <= allowed and set(comp.figures) <= allowed
        assert set(comparer_export.values_table(comp).frame["code"]) <= allowed
        others = sorted(set(index) - allowed)
        assert others
        sample = [c for c in ("16", "17", "86", "P16-COG", "P17-SAI", "R16-NCH", "R79-NIO", "R17-ROC") if c in others]
        for code in sample:
            for call in (lambda c: territory_figures(conn, scope, c, annee),
                         lambda c: rq.detail(conn, scope, c, annee),
                         lambda c: aq.cube(conn, scope, c, annee),
                         lambda c: qc.key_figures(conn, scope, c, annee),
                         lambda c: qc.map_data(conn, scope, c, annee),
                         lambda c: qcmp.comparison(conn, scope, [scope.territoire_code, c], annee),
                         lambda c: qcmp.trajectories(conn, scope, [c], annee),
                         lambda c: qcmp.monthly_absenteeism(conn, scope, [c], annee)):
                with pytest.raises(AccessDenied):
                    call(code)
        with pytest.raises(AccessDenied):
            slides_content.gather(conn, scope, others[0], annee, with_map=False)
        own = slides_content.gather(conn, scope, scope.territoire_code, annee, with_map=False)
        academie = slides_content.gather(conn, scope, ACADEMIE, annee, with_map=False)
    for content in (own, academie):
        assert set(content.sous_territoires["code"]) | set(content.reseaux["code"]) <= detail
        texts = " ".join([h.text for h in content.highlights]
                         + [c for f in (content.sous_territoires, content.reseaux)
                            for r in series.table_rows(f) for c in r["cells"]])
        for table in workbook.sheets(content).values():
            texts += " " + " ".join(str(v) for c in table.frame.columns for v in table.frame[c].to_list())
        for code in others:
            assert index[code].label not in texts and f"({code})" not in texts, code
