"""The nature of a school (collège, LGT, LP, LPO, EREA) from the ministry's nature code or its label,
as a schools directory writes it; natures outside the dashboard's field are named, not guessed."""

from __future__ import annotations

from dashboard.importer.contracts import squash
from dashboard.importer.parsing import restore_code

# Nature codes of the ministry's nomenclature kept by the dashboard (docs/architecture.md, "Import files"); any other nature
# (écoles 1xx, CIO 841, …) is outside the dashboard's field.
NATURE_CODES = {
    "300": "LGT",  # lycée d'enseignement général et technologique
    "301": "LGT",  # lycée technologique
    "302": "LGT",  # lycée d'enseignement général
    "306": "LPO",  # lycée polyvalent
    "320": "LP",  # lycée professionnel
    "334": "LP",  # section d'enseignement professionnel (SEP) d'un lycée
    "335": "LGT",  # section d'enseignement général et technologique (SEGT) d'un LP
    "340": "COLLEGE",
    "352": "COLLEGE",  # collège climatique
    "370": "EREA",  # établissement régional d'enseignement adapté
}
# Labels (squashed) → type, tried in this order as prefixes: « LPO LYCEE DES METIERS » is an LPO.
LABEL_PREFIXES = (
    ("lyceeagricole", None), ("lyceeprofessionnelagricole", None), ("lyceehorticole", None),
    ("lyceemaritime", None), ("lyceeprofessionnelmaritime", None), ("legta", None), ("lpa", None),
    ("lyceepolyvalent", "LPO"), ("lpo", "LPO"), ("lyceeprofessionnel", "LP"), ("lyp", "LP"),
    ("sectiondenseignementprofessionnel", "LP"), ("sectionenseignementprofessionnel", "LP"),
    ("lyceedenseignementgeneral", "LGT"), ("lyceeenseigntgeneral", "LGT"), ("lyceeenseignementgeneral", "LGT"),
    ("lyceegeneral", "LGT"), ("lyceegen", "LGT"), ("lycgen", "LGT"), ("lyceetechnologique", "LGT"),
    ("lyceetechnique", "LGT"), ("sectionenseigtgeneral", "LGT"), ("sectiondenseignementgeneral", "LGT"),
    ("sectionenseignementgeneral", "LGT"), ("legt", "LGT"), ("lgt", "LGT"),
    ("college", "COLLEGE"), ("clg", "COLLEGE"), ("ecolesecondaire", "COLLEGE"),
    ("etabregional", "EREA"), ("etablissementregional", "EREA"), ("erea", "EREA"),
    ("etablissementexperimental", "AUTRE"),
)
EXACT_LABELS = {"lp": "LP", "sep": "LP", "segt": "LGT", "lg": "LGT", "lt": "LGT", "autre": "AUTRE",
                **{squash(t): t for t in ("COLLEGE", "LGT", "LP", "LPO", "EREA", "AUTRE")}}
OUT_OF_FIELD_PREFIXES = ("horschamp", "centredinformation", "cio", "informationetorientation", "ecole", "maisonfamiliale",
                         "rectorat", "centredeformation", "cfa", "greta", "universite", "inspection",
                         "etablissementmedico", "ime", "segpa")
OUT_OF_FIELD = "hors champ"


def nature(value: str) -> tuple[str | None, str | None]:
    """(type, None) for a nature code or label the dashboard keeps; (None, label) for a nature
    outside its field; (None, None) when not recognised (an error then names the value)."""
    text = restore_code(value)
    if text.isdigit() and len(text) <= 3:
        code = text.zfill(3)
        return (NATURE_CODES[code], None) if code in NATURE_CODES else (None, f"nature {code}")
    key = squash(text)
    if key in EXACT_LABELS:
        return EXACT_LABELS[key], None
    for prefix, kind in LABEL_PREFIXES:
        if key.startswith(prefix):
            return (kind, None) if kind else (None, text)
    if key.startswith(OUT_OF_FIELD_PREFIXES):
        return None, text
    return None, None
