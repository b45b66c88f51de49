"""Roles and territorial scope (core, no Streamlit).

A user has a role and, except at académie level, one territory. The scope decides which
territories the user may open in detail (``detail``) and which aggregates stay visible for
comparison (``aggregates``). Query functions take a ``Scope`` and filter in SQL
(see ``queries.territoires.resolve_territory``: ``can_view`` and ``can_view_detail``).

| role | territory | detail (sub-territories, schools, sites) | aggregates also visible |
|---|---|---|---|
| recteur, csaio | ACAD | the whole académie | — |
| dasen, ien-io | a department | their department | académie |
| psad | a PSAD | their PSAD | their department, académie |
| reseau | a network | their network | their PSAD, their department, académie |
| lecteur | ACAD | nothing | académie (aggregates only) |
| mlds | ACAD | the whole académie | — |

Only the territories on a user's own chain up to the académie are visible outside their scope:
an IEN-IO of Deux-Sèvres sees the académie total but neither Charente-Maritime nor any of its
PSAD, networks or schools. Reading the audit log and importing files are académie-level tasks
(``recteur``, ``csaio``); writing and sending the MLDS letter belongs to ``recteur``, ``csaio`` and
the MLDS coordinator (``mlds``). The same rules are documented for users in
``dashboard/docs/methodologie/80-acces.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

ACADEMIE = "ACAD"
ROLES = {
    "recteur": "academie",
    "csaio": "academie",
    "dasen": "departement",
    "ien-io": "departement",
    "psad": "psad",
    "reseau": "reseau",
    "lecteur": "academie",
    "mlds": "academie",
}
ROLE_LABELS = {
    "recteur": "Recteur",
    "csaio": "CSAIO",
    "dasen": "DASEN",
    "ien-io": "IEN-IO",
    "psad": "Coordination PSAD",
    "reseau": "Responsable de réseau FOQUALE",
    "lecteur": "Lecteur (agrégats académiques)",
    "mlds": "Coordination MLDS",
}
#: Roles that see the whole académie in detail.
ACADEMIE_ROLES = frozenset({"recteur", "csaio", "mlds"})
#: Roles that may list the audit log ("Journal des consultations").
AUDIT_ROLES = frozenset({"recteur", "csaio"})
#: Roles that may import data files.
IMPORT_ROLES = frozenset({"recteur", "csaio"})
#: Roles that may write, publish and send the MLDS letter.
LETTER_ROLES = frozenset({"recteur", "csaio", "mlds"})


class AccessDenied(Exception):
    """The territory or resource is outside the user's scope."""

    def __init__(self, message: str = "Accès non autorisé à ce territoire.") -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Scope:
    role: str = "recteur"
    territoire_code: str = ACADEMIE
    utilisateur: str = "local"

    @classmethod
    def full(cls, utilisateur: str = "local") -> Scope:
        return cls("recteur", ACADEMIE, utilisateur)

    @classmethod
    def for_role(cls, role: str, territoire_code: str | None, utilisateur: str) -> Scope:
        """The scope of a user: académie roles are pinned to ``ACAD`` whatever the territory given.

        Raises ``ValueError`` for an unknown role or a missing territory.
        """
        if role not in ROLES:
            raise ValueError(f"rôle inconnu : {role}")
        if ROLES[role] == "academie":
            return cls(role, ACADEMIE, utilisateur)
        if not territoire_code:
            raise ValueError(f"le rôle {role} demande un territoire")
        return cls(role, territoire_code, utilisateur)

    @property
    def level(self) -> str:
        return ROLES[self.role]

    @property
    def aggregates_only(self) -> bool:
        return self.role == "lecteur"

    @property
    def can_read_audit(self) -> bool:
        return self.role in AUDIT_ROLES

    @property
    def can_import(self) -> bool:
        return self.role in IMPORT_ROLES

    @property
    def can_edit_letter(self) -> bool:
        return self.role in LETTER_ROLES

    @property
    def label(self) -> str:
        """French description of the role, e.g. ``"IEN-IO"``."""
        return ROLE_LABELS.get(self.role, self.role)


def require_audit_reader(scope: Scope) -> None:
    """``AccessDenied`` unless ``scope`` may read the audit log."""
    if not scope.can_read_audit:
        raise AccessDenied("Le journal des consultations est réservé au recteur et au CSAIO.")


def require_importer(scope: Scope) -> None:
    """``AccessDenied`` unless ``scope`` may import data files."""
    if not scope.can_import:
        raise AccessDenied("L'import de données est réservé au recteur et au CSAIO (SAIO).")


def require_letter_editor(scope: Scope) -> None:
    """``AccessDenied`` unless ``scope`` may write, publish or send the MLDS letter."""
    if not scope.can_edit_letter:
        raise AccessDenied("La lettre de la MLDS est rédigée et diffusée par le recteur, le CSAIO et la "
                           "coordination MLDS.")
