"""The key-figure model (``dashboard.publish.keyfigures``): one decision per tile for Accueil, the
Dialogue page, the deck and the Raccrochage page's « Pour 100 raccrochés »."""

from __future__ import annotations

import pytest

from dashboard import fmt
from dashboard.access.scope import Scope
from dashboard.disclosure import marks as disclosure_marks
from dashboard.publish import keyfigures
from queries import raccrochage as q
from queries.statuses import Status
from tests.support.raccrochage import YEAR, load_fixture


@pytest.fixture
def situation(db_engine) -> dict:
    load_fixture(db_engine)
    with db_engine.connect() as conn:
        return q.situation(conn, Scope.full(), "16", YEAR)


def test_contracts_per_100_raccroches_is_a_declared_figure(situation):
    row = {**situation, "masque_complementaire": []}
    shown, marks = q.published_row(row)
    tile = keyfigures.key_figures(row, shown, marks)["contrats_pour_100"]
    per_100 = 100 * situation["contrats_foquale"] / situation["raccroches"]
    assert tile.label == "Pour 100 raccrochés"
    assert tile.value == fmt.number(per_100) and tile.number == round(per_100) and tile.mark is None


@pytest.mark.parametrize("masked", ["contrats_foquale", "raccroches"])
def test_contracts_per_100_raccroches_masked_with_either_count(situation, masked):
    row = {**situation, "masque_complementaire": [*situation["masque_complementaire"], masked]}
    shown, marks = q.published_row(row)
    assert shown["contrats_pour_100"] is None and marks["contrats_pour_100"] == disclosure_marks.SECONDARY
    tile = keyfigures.key_figures(row, shown, marks)["contrats_pour_100"]
    assert tile.value == disclosure_marks.SECONDARY_LABEL and tile.number is None and tile.mark == disclosure_marks.SECONDARY


def test_a_masked_change_carries_its_mark(situation):
    row = {**situation, "masque_complementaire": ["jeunes_signales_n1"]}
    shown, marks = q.published_row(row)
    tile = keyfigures.key_figures(row, shown, marks)["jeunes_signales"]
    assert tile.delta is None and tile.change_mark == disclosure_marks.PRIMARY


def test_every_selection_names_a_figure_of_the_model(situation):
    shown, marks = q.published_row(situation)
    figures = keyfigures.key_figures(situation, shown, marks)
    for closed in (False, True):
        assert set(keyfigures.DECK[closed]) <= set(figures)
        assert {k for row in keyfigures.ACCUEIL[closed] for k in row} <= set(figures)


def test_the_expected_level_is_toned_by_the_status(situation):
    shown, marks = q.published_row(situation)
    tile = keyfigures.key_figures(situation, shown, marks)["attendu"]
    assert tile.tone == Status.of(situation["statut"]).tone
    assert tile.note == Status.of(situation["statut"]).label


def test_status_wording():
    assert Status.of(None) is Status.INCONNU
    assert Status.of_year(False) == (Status.EN_RETARD, Status.SUR_TRAJECTOIRE, Status.EN_AVANCE, Status.INCONNU)
    assert Status.of_year(True) == (Status.NON_ATTEINT, Status.ATTEINT, Status.INCONNU)
    assert Status.EN_RETARD.projection_note == "au rythme actuel : objectif non atteint"
    assert Status.INCONNU.projection_note == "au rythme actuel"
    assert Status.SUR_TRAJECTOIRE.projection_clause == ", proche de l'objectif"
    assert Status.ATTEINT.trajectory_words is None
