"""Names are text (issue 18, item 2) without a browser: the escaping of ``dashboard.markup``, and
every Plotly figure built from names full of HTML holds them only escaped (the browser test,
``test_names_browser``, checks what Chromium draws)."""

from __future__ import annotations

import pytest

from dashboard import markup
from dashboard.access.scope import Scope
from dashboard.charts import absenteisme as abs_charts
from dashboard.charts import carte as map_charts
from dashboard.charts import comparer as cmp_charts
from dashboard.charts import raccrochage as rac_charts
from dashboard.store import database
from queries import absenteisme as aq
from queries import absenteisme_etablissements as qe
from queries import carte as mq
from queries import comparer as cq
from queries import comparer_ranking as rq
from queries import raccrochage as rq_rac
from tests.support.hostile_names import hostile_database

FULL = Scope.full()
PORT = 9  # nothing listens there: these tests only read the figures
YEAR = "2016-2017"


@pytest.mark.parametrize(("text", "shown"), [
    ("**gras**", "\\*\\*gras\\*\\*"),
    ("[l](javascript:alert(1))", "\\[l\\]\\(javascript\\:\u2060alert\\(1\\)\\)"),
    ("<img src=x>", "\\<img src=x\\>"),
    ("http://a.fr", "http\\:\u2060//a\\.fr"),  # an autolink needs « http:// » in one piece
    ("www.a.fr", "www\u2060\\.a\\.fr"),
    ("x@a.fr", "x\u2060@a\\.fr"),
    (":smile: :material/home:", "\\:\u2060smile\\: \\:\u2060material/home\\:"),
    ("Vienne : 86", "Vienne \\: 86"),  # a French colon keeps its space, and nothing else
    ("Collège Jean-Moulin", "Collège Jean\\-Moulin"),
])
def test_markdown_escapes_markup_and_breaks_autolinks(text, shown):
    assert markup.markdown(text) == shown


def test_plotly_escapes_html_and_templates():
    assert markup.plotly("<b>a</b> & %{y}") == "&lt;b&gt;a&lt;/b&gt; &amp; &#37;{y}"


RAW = ("<img", "<a href", "<b>b</b>", "%{y} **")  # as the names hold them


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from strings(value)


def assert_escaped(fig) -> None:
    texts = list(strings(fig.to_plotly_json()))
    leaked = [t for t in texts if any(raw in t for raw in RAW)]
    assert not leaked, leaked[:3]
    assert any("&lt;" in t for t in texts), "the names are not in the figure"


@pytest.fixture(scope="module")
def hostile_engine(demo_sqlite_url, tmp_path_factory):
    url = hostile_database(demo_sqlite_url, tmp_path_factory.mktemp("hostile") / "names.sqlite", PORT)
    engine = database.make_engine(url)
    yield engine
    engine.dispose()


def test_raccrochage_figures(hostile_engine):
    with hostile_engine.connect() as conn:
        detail = rq_rac.detail(conn, FULL, "86", YEAR)
    assert_escaped(rac_charts.achievement_figure(detail.publie.sous_territoires))


def test_absenteeism_figures(hostile_engine):
    with hostile_engine.connect() as conn:
        cube = aq.cube(conn, FULL, "R86-POI", YEAR)
        children = aq.children_rates(conn, FULL, "86", YEAR)
        parent = aq.cube(conn, FULL, "86", YEAR)
        view = qe.school_view(conn, FULL, "R86-POI", YEAR)
        label = rq_rac.detail(conn, FULL, "R86-POI", YEAR).situation["libelle"]
    types = ("COLLEGE", "LGT", "LP")
    assert_escaped(abs_charts.monthly_by_type(cube.monthly("type", types), YEAR, "2015-2016", types,
                                              territory_label=label))
    assert_escaped(abs_charts.children_bars(children, parent.yearly("type").vstack(parent.yearly("")),
                                            "PSAD <b>b</b> %{y} **x** <img src=x>", types))
    assert_escaped(abs_charts.distribution_box(view.table, view.distribution, types))


def test_comparison_figures(hostile_engine):
    codes = ("R86-POI", "R86-SVI", "P86-POI")
    with hostile_engine.connect() as conn:
        comp = cq.comparison(conn, FULL, codes, YEAR)
        labels = {t.code: t.label for t in comp.territories}
        trajectories = cq.trajectories(conn, FULL, codes, YEAR)
        absences = cq.monthly_absenteeism(conn, FULL, codes, YEAR)
        ranked = rq.ranking(rq.level_values(conn, FULL, YEAR, "psad"), "taux_atteinte")
    assert_escaped(cmp_charts.trajectories_figure(trajectories, labels))
    assert_escaped(cmp_charts.absenteeism_figure(absences, labels))
    assert_escaped(cmp_charts.ranking_figure(ranked, "taux_atteinte", list(codes)))
    # the table is drawn by ``st.table``, which reads Markdown in its headers
    headers = list(cmp_charts.styled_table(comp).data.columns)
    assert all("<" not in h.replace("\\<", "") for h in headers), headers


def test_map_figure(hostile_engine):
    with hostile_engine.connect() as conn:
        data = mq.map_data(conn, FULL, "P86-POI", YEAR, "reseau", "taux_atteinte",
                           layers=("etablissements", "mlds", "sieges"))
    assert_escaped(map_charts.map_figure(data, selected="R86-POI"))
