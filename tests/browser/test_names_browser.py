"""Names are text (issue 18, item 2), in Chromium: networks, PSAD, schools and file names full of
Markdown, HTML and URLs are imported, then every page that shows them is opened at the levels where
they show. No markup is created from them (no link, image or emphasis), their characters are
visible as written, and no request reaches the local server their images point at, nor leaves
localhost."""

from __future__ import annotations

import pytest

from tests.support.app_server import streamlit_server
from tests.support.browser import check_visit, visit
from tests.support.hostile_names import BOLD_WORD, Trap, hostile_database

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("hostile-names")]

LITERAL = f"**{BOLD_WORD}**"

#: Elements that markup made out of a name: a link or an image pointing at the trap or at
#: ``javascript:``, emphasis around one of the names' words (in HTML or in Plotly's SVG).
MARKUP_FROM_NAMES = """(port) => {
    const found = [];
    const show = el => (el.outerHTML || '').slice(0, 160);
    for (const el of document.querySelectorAll('[src], [href], [srcset], [poster], [data]')) {
        for (const attr of ['src', 'href', 'srcset', 'poster', 'data', 'xlink:href']) {
            const value = (el.getAttribute(attr) || '').toLowerCase();
            if (value.includes(':' + port) || value.replace(/\\s/g, '').startsWith('javascript:')) found.push(show(el));
        }
    }
    for (const el of document.querySelectorAll('svg a')) found.push(show(el));
    const words = ['gras', 'rouge', 'b', 'a', 'x', 'lien', 'p'];
    for (const el of document.querySelectorAll('strong, b, em, i, a, del, code, span.katex, [data-testid=stMarkdownColoredText]')) {
        if (words.includes(el.textContent.trim())) found.push(show(el));
    }
    for (const el of document.querySelectorAll('svg tspan')) {
        const style = el.getAttribute('style') || '';
        if (words.includes(el.textContent.trim()) && /font-weight:\\s*bold|font-style:\\s*italic/.test(style)) {
            found.push(show(el));
        }
    }
    return found;
}"""

#: The page's text as shown: HTML text and the text of the charts (SVG).
SHOWN_TEXT = """() => {
    const main = document.querySelector('[data-testid=stMain]') || document.body;
    const svg = [...main.querySelectorAll('svg text')].map(t => t.textContent).join('\\n');
    return main.innerText + '\\n' + svg;
}"""


@pytest.fixture(scope="module")
def trap():
    with Trap() as server:
        yield server


@pytest.fixture(scope="module")
def hostile_server(demo_sqlite_url, tmp_path_factory, trap):
    url = hostile_database(demo_sqlite_url, tmp_path_factory.mktemp("hostile") / "hostile.sqlite", trap.port)
    with streamlit_server(url) as base:
        yield base


# (page URL, what must be visible as written): at every level where names show.
VISITS = [
    ("/?territoire=86", LITERAL),  # the PSAD and networks of a department: status strip, chart, table
    ("/?territoire=P86-POI", LITERAL),
    ("/?territoire=R86-POI", LITERAL),  # its own name: headline, freshness line
    ("/raccrochage?territoire=86", None),  # names in the grid only
    ("/raccrochage?territoire=R86-POI", LITERAL),
    ("/carte?territoire=P86-POI&selection=R86-POI", LITERAL),
    ("/carte?territoire=86&niveau=psad&selection=P86-POI", LITERAL),
    ("/absenteisme?territoire=R86-POI", LITERAL),
    ("/absenteisme?territoire=86&vue=Territoires", LITERAL),
    ("/absenteisme?territoire=R86-POI&vue=%C3%89tablissements", None),  # names in the hover and the grid
    ("/comparer?territoire=86&territoires=R86-POI,R86-SVI,P86-POI", LITERAL),
    ("/dialogue-de-gestion?territoire=R86-POI", LITERAL),
    ("/dialogue-de-gestion?territoire=86", LITERAL),
    ("/donnees?territoire=86", None),
    ("/donnees?territoire=R86-POI", LITERAL),
    ("/importer", None),  # file and user names in the import history (a grid)
]


@pytest.mark.parametrize(("path", "literal"), VISITS, ids=[v[0] for v in VISITS])
def test_names_render_as_text(hostile_server, browser, trap, path, literal):
    hits = len(trap.hits)
    result = visit(browser, hostile_server + path)
    page = result.page
    markup = page.evaluate(MARKUP_FROM_NAMES, trap.port)
    shown = page.evaluate(SHOWN_TEXT)
    result.context.close()
    assert not markup, markup
    if literal:
        assert literal in shown, shown[:1500]
    assert not trap.hits[hits:], trap.hits[hits:]
    check_visit(result)
