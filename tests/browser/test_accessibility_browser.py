"""Accessibility (issue 28, RGAA 4.1 / WCAG 2.1 AA) in Chromium: axe-core's WCAG 2.0/2.1 A and AA
rules find no violation on any page, at académie level in the year in progress and at network level
in a closed year, on the import page in each of its states (empty, file with errors, column mapping,
success), on the map with a territory selected and on Méthodologie at 640 px (200 % zoom), where a wide
table or code block takes the keyboard's focus. axe-core comes from the test set-up (``tests/support/accessibility.py``). What a screen
reader says (Chromium's accessibility tree, as Orca and NVDA read it) is French, without icon names,
every chart named by its text alternative; the map's territories are reached with the keyboard. The
trees read are kept in ``var/accessibility/*.aria.txt``. The pages only read (axe-core on each page, what a
screen reader says: ``reads_page``) are opened once (``read_page``) for these tests and ``test_browser``'s
that read the same address: axe-core's script stays in the page's head, where no other test reads."""

from __future__ import annotations

import re

import pytest

from dashboard.ui.registry import all_pages
from queries.statuses import STATUS_ICONS
from tests.support.accessibility import RESULTS, axe_violations, describe, require_axe
from tests.support.app_server import streamlit_server
from tests.support.browser import (
    CLOSED_YEAR,
    YEAR_IN_PROGRESS,
    check_visit,
    page_address,
    read_page,
    visit,
    wait_for_app,
)
from tests.support.importer import RECTORAT, bilan, bilans_file

pytestmark = pytest.mark.browser

#: The territory and year each level is read at: the académie in the year in progress, a network in a closed year.
LEVELS = {"academie": ("ACAD", YEAR_IN_PROGRESS), "reseau": ("R86-POI", CLOSED_YEAR)}


def assert_no_violation(page, name: str) -> None:
    require_axe()
    violations = axe_violations(page, name)
    assert not violations, f"{name} :\n{describe(violations)}"


@pytest.mark.reads_page(lambda spec, level: page_address(spec.url_path, *LEVELS[level]))
@pytest.mark.parametrize("level", LEVELS, ids=str)
@pytest.mark.parametrize("spec", all_pages(), ids=lambda s: s.url_path or "accueil")
def test_no_axe_violation_on_any_page(request, server, browser, spec, level):
    name = f"{spec.url_path or 'accueil'}-{level}"
    result = read_page(request, server, browser)
    assert_no_violation(result.page, name)
    check_visit(result)


def test_no_axe_violation_on_the_map_with_a_territory_selected(server, browser):
    result = visit(browser, f"{server}/carte?annee={CLOSED_YEAR}&territoire=ACAD&selection=R86-CHA")
    result.page.get_by_text("Voir sa page Raccrochage").first.wait_for(timeout=30_000)
    assert_no_violation(result.page, "carte-selection")
    check_visit(result, close=True)


def test_no_axe_violation_on_the_zoomed_map_its_table_and_a_provisional_ranking(server, browser):
    """Issue 25: a department clicked then « PSAD » chosen (zoom, « Revoir toute la carte »), the value
    table open; the comparison of an open year with provisional rows and the copied link's notice."""
    result = visit(browser, f"{server}/carte?annee=2016-2017&territoire=ACAD&niveau=departement&selection=86")
    page = result.page
    page.get_by_role("radio", name="PSAD").or_(page.get_by_role("button", name="PSAD")).first.click()
    page.get_by_role("button", name="Revoir toute la carte").wait_for(timeout=60_000)
    wait_for_app(page)
    page.get_by_text("Tableau des valeurs de la carte").click()
    wait_for_app(page)
    assert_no_violation(page, "carte-agrandie")
    check_visit(result, close=True)
    result = visit(browser, f"{server}/comparer?annee=2016-2017&territoires=R16-ANG,R17-ROY",
                   context_options={"permissions": ["clipboard-read", "clipboard-write"]})
    page = result.page
    page.get_by_role("button", name="Copier le lien").click()
    page.wait_for_selector("[data-testid=stToast]", timeout=10_000)
    assert "(provisoire)" in page.inner_text("[data-testid=stMainBlockContainer]")
    assert_no_violation(page, "comparer-provisoire")
    check_visit(result, close=True)


#: The Markdown tables and code blocks shown (not in a closed section): how many, how many scroll sideways,
#: how many of those take the keyboard's focus, and how many take it without scrolling.
WIDE_BLOCKS = """() => {
    const shown = [...document.querySelectorAll('[data-testid=stMarkdownContainer] :is(table, pre)')]
        .filter(t => !t.closest('details:not([open])'));
    const scrolls = t => t.scrollWidth > t.clientWidth + 1;
    const focusable = t => t.getAttribute('tabindex') === '0';
    return {shown: shown.length, scrolling: shown.filter(scrolls).length,
            reachable: shown.filter(t => scrolls(t) && focusable(t)).length,
            needless: shown.filter(t => !scrolls(t) && focusable(t)).length};
}"""


def test_a_wide_table_or_code_block_is_reached_with_the_keyboard_on_a_narrow_screen(server, browser):
    """WCAG 1.4.10 and 2.1.1: at 640 px (1 280 px zoomed to 200 %), Méthodologie's sections opened, each
    table or code block wider than the window scrolls on its own and takes the focus (its hidden part is
    then scrolled with the arrows), and axe-core finds nothing; back at 1 440 px nothing scrolls nor takes
    the focus for nothing."""
    result = visit(browser, f"{server}/methodologie", width=640, height=800)
    page = result.page
    for summary in page.locator("[data-testid=stExpander] summary").all():
        summary.click()
    page.wait_for_function(f"() => {{ const t = ({WIDE_BLOCKS})(); "
                           "return t.scrolling > 0 && t.reachable === t.scrolling && t.needless === 0; }")
    assert page.evaluate(WIDE_BLOCKS)["shown"] >= 10
    assert_no_violation(page, "methodologie-640")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.wait_for_function(f"() => {{ const t = ({WIDE_BLOCKS})(); return t.scrolling === 0 && t.needless === 0; }}")
    check_visit(result, close=True)


@pytest.fixture(scope="module")
def import_server(databases, tmp_path_factory):
    """The app on a copy of the demonstration data of its own: the import's success writes to it."""
    url = databases.sqlite.copy("demo", tmp_path_factory.mktemp("import-a11y"))
    with streamlit_server(url, extra_env={"DASHBOARD_AUTH_MODE": "local"}) as base:
        yield base


def _upload(page, path, wait_text: str) -> None:
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(path))
    page.get_by_text(wait_text).first.wait_for(timeout=60_000)
    wait_for_app(page)


def test_no_axe_violation_on_the_import_page_in_each_state(import_server, browser, tmp_path):
    result = visit(browser, f"{import_server}/importer")
    page = result.page
    assert_no_violation(page, "importer-vide")
    wrong = tmp_path / "bilans-erreurs.csv"
    wrong.write_bytes(bilans_file(bilan(reseau="R99-INCONNU")))
    _upload(page, wrong, "Rapport de vérification")
    assert_no_violation(page, "importer-erreurs")
    page.get_by_role("button", name="Retirer bilans-erreurs.csv").click()
    wait_for_app(page)
    mapping = tmp_path / "rectorat.csv"
    mapping.write_bytes(RECTORAT)
    _upload(page, mapping, "Correspondance des colonnes")
    assert_no_violation(page, "importer-correspondance")
    page.get_by_role("button", name="Retirer rectorat.csv").click()
    wait_for_app(page)
    right = tmp_path / "bilans.csv"
    right.write_bytes(bilans_file(bilan(reseau="R86-POI", periode="2015-06-30", annee="2014-2015")))
    _upload(page, right, "le fichier peut être importé")
    page.get_by_role("button", name="Importer ce fichier").click()
    page.get_by_text("importé").first.wait_for(timeout=60_000)
    wait_for_app(page)
    assert_no_violation(page, "importer-succes")
    check_visit(result, close=True)


#: English a screen reader would say: Streamlit's and MapLibre's own labels, left untranslated.
ENGLISH = re.compile(r"\b(Help|Open|Close|Link to heading|Skip to main content|Show/hide columns|Download as CSV|"
                     r"Fullscreen|Search|Sidebar|App pages|Collapse sidebar|Expand sidebar|Clear all|Selected values|"
                     r"Toggle attribution|Map|Remove|Add files|file upload|Zoom in|Zoom out)\b")
#: A Material icon's name read as text (« north_east », « expand_more », « keyboard_double_arrow_left »).
ICON_NAME = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
SPOKEN_PAGES = ["", "raccrochage", "carte", "absenteisme", "prevention", "comparer", "importer", "accessibilite"]


@pytest.mark.reads_page(lambda path: page_address(path))
@pytest.mark.parametrize("path", SPOKEN_PAGES, ids=lambda p: p or "accueil")
def test_what_a_screen_reader_says_is_french_without_icon_names(request, server, browser, path):
    result = read_page(request, server, browser)
    page = result.page
    spoken = page.locator("body").aria_snapshot()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{path or 'accueil'}.aria.txt").write_text(spoken, encoding="utf-8")
    names = "\n".join(line for line in spoken.splitlines() if "/url:" not in line).replace("Open Licence", "")
    assert not ENGLISH.findall(names), ENGLISH.findall(names)
    words = re.sub(r"\S*[/.]\S*[a-z]", " ", names)  # file paths and names written in the text (« tests/… .py »)
    assert not ICON_NAME.findall(words), ICON_NAME.findall(words)
    icons = {spec.icon.split("/")[1].rstrip(":") for spec in all_pages()} | set(STATUS_ICONS.values())
    assert not [i for i in icons if re.search(rf'"{i} ', names)], names
    assert 'link "Aller au contenu principal"' in spoken
    assert 'navigation "Pages du tableau de bord"' in spoken and 'link "Déclaration d\'accessibilité"' in spoken
    for chart in page.locator("[data-testid=stPlotlyChart]").all():
        assert chart.get_attribute("role") == "figure"
        assert chart.get_attribute("aria-label").startswith("Graphique (")
    if path == "":
        assert re.search(r'link "Angoulême \((objectif (non )?atteint|en retard|en avance|sur la trajectoire)\)"',
                         spoken)
    check_visit(result)


def test_the_map_table_is_reached_with_the_keyboard(server, browser):
    """The map's territories through the keyboard: the list « Territoire à afficher » takes the focus
    and chooses a territory as a click would; the table of values opens and its grid takes the focus."""
    result = visit(browser, f"{server}/carte?annee={CLOSED_YEAR}&territoire=ACAD")
    page = result.page
    box = page.get_by_role("combobox", name="Territoire à afficher")
    box.focus()
    page.keyboard.type("Châtell")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.location.search.includes('selection=R86-CHA')", timeout=30_000)
    wait_for_app(page)
    assert "Réseau Châtellerault" in page.inner_text("[data-testid=stMainBlockContainer]")
    toggle = page.locator("summary").filter(has_text="Tableau des valeurs de la carte")
    toggle.focus()
    page.keyboard.press("Enter")
    grid = page.locator("[data-testid=stExpander] [data-testid=stDataFrame] canvas[tabindex='0']").first
    grid.wait_for(timeout=30_000)
    grid.focus()
    page.keyboard.press("ArrowDown")  # the grid's cells, one by one with the arrows, each read with its header
    cells = page.locator("[data-testid=stExpander] [role=grid] [role=gridcell]")
    cells.first.wait_for(state="attached", timeout=30_000)
    page.wait_for_function("() => (document.activeElement.getAttribute('data-testid') || '').startsWith('glide-cell')")
    assert cells.filter(has_text="Châtellerault").count() >= 1
    check_visit(result, close=True)
