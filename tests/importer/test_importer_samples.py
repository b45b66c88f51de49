"""The sample files of ``tests/fixtures/import`` are what they claim to be."""

from __future__ import annotations

import pytest

from dashboard.importer import contracts, reading
from tests.support.importer import FIXTURES


@pytest.mark.parametrize("name, kind", [
    ("etablissements-titre.xlsx", "etablissements"),
    ("absenteisme-utf8-bom-virgule.csv", "absenteisme"),
    ("bilans-windows1252.csv", "bilans"),
    ("bilans-erreurs.csv", "bilans"),
    ("objectifs.csv", "objectifs"),
    ("mlds_sites.xlsx", "mlds_sites"),
])
def test_sample_files_are_recognised(name, kind):
    data = (FIXTURES / name).read_bytes()
    raw = reading.read_file(data, name)
    assert contracts.CONTRACTS[kind].required
    from dashboard.importer.contracts import guess_kind

    assert guess_kind(raw.headers) == kind
