"""What leaves an instance of another académie names it (issue 27): the deck (title, footers, every
slide), the figures export, and the real Annuaire of Ille-et-Vilaine imported into the Rennes
database (174 schools once the secondary sites of a school are merged)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from dashboard.access.scope import Scope
from dashboard.importer import service
from dashboard.publish import figures
from dashboard.slides import build
from dashboard.store import db
from queries import figures as figures_query
from tests.support.decks import open_deck
from tests.support.rennes import ANNUAIRE, YEAR, annuaire_bytes

FULL = Scope.full()


def _texts(prs) -> list[str]:
    out = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                out.append(shape.text_frame.text)
            if shape.has_table:
                out += [cell.text for row in shape.table.rows for cell in row.cells]
    return out


def test_deck_names_the_academie_de_rennes(rennes_engine):
    with rennes_engine.connect() as conn:
        data = build.build_deck(conn, FULL, "ACAD", YEAR)
    texts = _texts(open_deck(data))
    joined = "\n".join(texts)
    assert "ACADÉMIE DE RENNES · PILOTAGE DU DÉCROCHAGE SCOLAIRE" in joined  # the title slide's banner
    assert "Académie de Rennes · Dialogue de gestion" in joined  # the footers
    assert "Poitiers" not in joined
    for department in ("Côtes-d'Armor", "Finistère", "Ille-et-Vilaine", "Morbihan"):
        assert department in joined


def test_deck_of_a_department_says_its_article(rennes_engine):
    with rennes_engine.connect() as conn:
        data = build.build_deck(conn, FULL, "22", YEAR)
    joined = "\n".join(_texts(open_deck(data)))
    assert "Poitiers" not in joined and "Côtes-d'Armor (22)" in joined
    assert "le département Côtes-d'Armor" not in joined


def test_figures_export_names_the_academie(rennes_engine):
    with rennes_engine.connect() as conn:
        f = figures_query.territory_figures(conn, FULL, "ACAD", YEAR)
    assert f["territoire_nom"] == "Académie de Rennes"
    text = json.dumps(figures.published(f), ensure_ascii=False)
    assert "Poitiers" not in text
    for suffix in (".csv", ".xlsx"):
        rendered = figures.render(f, suffix)
        if suffix == ".csv":
            content = rendered.decode("utf-8-sig")
            assert "Académie de Rennes" in content and "Poitiers" not in content


def test_real_annuaire_of_ille_et_vilaine_imports_into_rennes(rennes_engine):
    data = annuaire_bytes()
    with rennes_engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(db.etablissements)).scalar_one()
    result = service.import_file(rennes_engine, data, ANNUAIRE, "etablissements")
    assert result.written, result.report.as_text(30)
    assert result.counts.added == 174  # one school per UAI after the multi-site merge
    set_aside = dict(result.report.set_aside)
    assert "hors académie" not in set_aside
    assert set_aside == {"hors champ": 33, "sites secondaires d'un même établissement": 3}
    with rennes_engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(db.etablissements)).scalar_one()
        departments = set(conn.execute(select(db.communes.c.departement_code).join(
            db.etablissements, db.etablissements.c.commune_insee == db.communes.c.insee)
            .where(db.etablissements.c.uai == "0352072M")).scalars())
    assert after == before + 174 and departments == {"35"}
    again = service.import_file(rennes_engine, data, ANNUAIRE, "etablissements")
    assert again.written and not again.counts.any_change
