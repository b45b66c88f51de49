"""La lettre de la MLDS (issue 29): its figures are the figures export's, its periods are worded as
the year's position says, each reader receives the académie and only their own territory, and the
sending goes on when one recipient fails (a local SMTP server started by the test)."""

from __future__ import annotations

import email
import json
import shutil
import socket
import subprocess
from email import policy

import pytest
from sqlalchemy import func, select

from dashboard.access import audit
from dashboard.access.scope import AccessDenied, Scope
from dashboard.lettre import content as parts
from dashboard.lettre import html as letter_html
from dashboard.lettre import letter, pdf, recipients, sending, store
from dashboard.publish import figures
from dashboard.store import database, db
from queries import figures as figures_query
from queries import territoires as tq
from tests.support import cli

OPEN_YEAR, OPEN_PERIOD = "2016-2017", "2017-04-30"  # demonstration data: chiffres provisoires
CLOSED_YEAR, CLOSED_PERIOD = "2015-2016", "2016-08-31"
EDITOR = Scope("mlds", "ACAD", "coordination.mlds")
RECIPIENTS = ("email;nom;role;territoire_code\n"
              "recteur@ac-poitiers.fr;Recteur;recteur;\n"
              "reseau.angouleme@ac-poitiers.fr;Responsable du réseau;reseau;R16-ANG\n"
              "refuse@ac-poitiers.fr;Adresse refusée;ien-io;79\n"
              "ien79@ac-poitiers.fr;IEN-IO;ien-io;79\n"
              "lecteur@ac-poitiers.fr;;lecteur;\n")
BLOCKS = [
    {"genre": "editorial", "titre": "Éditorial", "texte": "Un bimestre de mobilisation.\n\nMerci à chacun."},
    {"genre": "pratique", "titre": "Un café des parents au collège", "texte": "Chaque mois, le GPDS reçoit les "
     "familles.", "reseau_code": "R16-ANG", "contact": "CPE"},
    {"genre": "agenda", "titre": "Réunion des responsables de réseau", "date_evenement": "2017-06-12",
     "lieu": "Poitiers", "texte": ""},
]


@pytest.fixture(scope="module")
def published(databases, tmp_path_factory):
    """A private demonstration database with its recipients and letter n° 1 published (bilan au
    30 avril 2017): (engine, letter row)."""
    url = databases.sqlite.copy("demo", tmp_path_factory.mktemp("lettre"))
    engine = database.make_engine(url)
    recipients.replace(engine, EDITOR, RECIPIENTS.encode("utf-8"))
    store.save_draft(engine, EDITOR, OPEN_YEAR, OPEN_PERIOD, BLOCKS)
    row = store.publish(engine, EDITOR, OPEN_YEAR, OPEN_PERIOD)
    yield engine, row
    engine.dispose()


@pytest.fixture(scope="module")
def frozen(published):
    engine, row = published
    with engine.connect() as conn:
        return store.published_content(conn, row["id"])


def _network_names(engine) -> dict[str, str]:
    with engine.connect() as conn:
        index = tq.territory_index(conn, OPEN_YEAR)
    return {t.code: t.nom for t in index.values() if t.niveau == "reseau"}


def _pdf_text(data: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) absent : make system-deps")
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


# --- figures: the export's, to the digit and the mark ------------------------------------------------


def _export(engine, code: str, annee: str) -> dict:
    """The figures export (JSON) of one territory, flattened, with its marks."""
    with engine.connect() as conn:
        data = figures_query.territory_figures(conn, Scope.full(), code, annee)
    exported = json.loads(figures.render(data, ".json"))
    return {"valeurs": figures.flatten({k: v for k, v in exported.items() if k not in ("masque", "secret")}),
            "secret": exported["secret"], "lines": {line.column.key: line for line in figures.lines(data)}}


def _assert_same(item: dict, export: dict) -> None:
    from dashboard.publish import text as publish_text

    key = item["cle"]
    line = export["lines"][key]
    assert item["texte"] == publish_text.cell_text(line.column, line.value, line.mark), key
    if key in export["secret"]:
        assert item["valeur"] is None and item["secret"] == export["secret"][key], key
    else:
        assert item["valeur"] == export["valeurs"][key], key


def test_letter_figures_equal_the_figures_export(published, frozen):
    engine, _ = published
    academie = frozen["academie"]
    export = _export(engine, "ACAD", OPEN_YEAR)
    assert export["valeurs"]["periode_fin"] == frozen["periode_fin"] == OPEN_PERIOD
    assert academie["chiffres"] and academie["mlds"] and academie["solutions"]
    for item in academie["chiffres"] + academie["mlds"] + academie["solutions"]:
        _assert_same(item, export)
    assert len(academie["tableau"]) == 4 + 14
    for row in academie["tableau"] + academie["mlds_tableau"]:
        row_export = _export(engine, row["code"], OPEN_YEAR)
        for item in row["cellules"].values():
            _assert_same(item, row_export)
    masked = [i for row in frozen["territoires"].values() for i in row["chiffres"] + row["solutions"] if i["secret"]]
    assert masked, "the demonstration year has masked network figures: the letter marks them"
    assert {i["texte"] for i in masked} <= {"< 5", "s"}


def test_published_html_and_pdf_show_the_figures(published, frozen):
    engine, row = published
    with engine.connect() as conn:
        html, pdf_bytes = store.published_files(conn, row["id"])
    text = _pdf_text(pdf_bytes)
    assert frozen["titre"] == "Lettre de la MLDS n° 1 — bilan au 30 avril 2017"
    for item in frozen["academie"]["chiffres"]:
        assert letter_html._t(item["texte"]) in html, item
        assert item["texte"].replace("\u202f", " ").replace("\u00a0", " ") in text.replace("\u202f", " ").replace(
            "\u00a0", " "), item
    assert 'lang="fr"' in html and "<caption" in html and 'scope="col"' in html
    assert html.count("<img ") == 2 and 'alt="Graphique en barres' in html
    assert "Un café des parents au collège" in html and "12 juin 2017" in html
    assert pdf_bytes.startswith(b"%PDF") and b"/StructTreeRoot" in pdf_bytes  # tagged (PDF/UA-1)


# --- periods: provisional, closed, and the rule ---------------------------------------------------------


def test_provisional_period_is_worded_so(frozen):
    view = letter.view(frozen, Scope.full())
    text = letter_html.plain_text(view)
    assert frozen["provisoire"] and not frozen["close"]
    assert "Chiffres provisoires" in text  # the badge
    assert "Chiffres provisoires : 2 réseaux n'ont pas encore transmis le bilan de la période close le 30 avril " \
           "2017" in text
    assert "Données de démonstration" in text and "Ne pas diffuser comme des chiffres de l'académie" in text
    assert "Projection en fin d'année" in text and "Année close" not in text


def test_closed_year_is_worded_so(demo_engine, backend):
    with demo_engine.connect() as conn:
        content = letter.compose(conn, CLOSED_YEAR, CLOSED_PERIOD, [], territories=False)
    view = letter.view(content, Scope.full())
    text = letter_html.plain_text(view)
    assert content["close"] and not content["provisoire"]
    assert content["titre"] == "Lettre de la MLDS (brouillon) — bilan de l'année 2015-2016"
    assert "Année close" in text and "Chiffres provisoires" not in text
    assert "L'année 2015-2016 est close : " in text
    assert "Projection en fin d'année" not in text and "Écart à l'objectif" in text
    assert "se terminerait" not in text


def test_only_the_latest_bilan_makes_a_new_letter(demo_engine):
    with demo_engine.connect() as conn:
        with pytest.raises(letter.PeriodUnavailable) as refused:
            letter.compose(conn, OPEN_YEAR, "2017-02-28", [])
    assert "reçus jusqu'au 30 avril 2017" in refused.value.message


# --- what each reader receives -------------------------------------------------------------------------


def test_a_network_head_receives_no_other_network(published, frozen):
    engine, _ = published
    names = _network_names(engine)
    view = letter.view(frozen, Scope("reseau", "R16-ANG", "reseau.angouleme@ac-poitiers.fr"))
    html, text, pdf_text = letter_html.document(view), letter_html.plain_text(view), _pdf_text(pdf.render(view))
    academie_raccroches = next(i["texte"] for i in frozen["academie"]["chiffres"] if i["cle"] == "raccroches")
    own = next(i["texte"] for i in frozen["territoires"]["R16-ANG"]["chiffres"] if i["cle"] == "raccroches")
    for document in (html, text):
        assert "Votre territoire : Réseau Angoulême" in document
        assert academie_raccroches in document and own in document
        for code, name in names.items():
            if code != "R16-ANG":
                assert f"Réseau {name}" not in document, name
                # the académie's own name and the agenda's place (« Poitiers ») are no network's figures
                assert name not in document.replace(frozen["academie_nom"], "").replace("(Poitiers)", ""), name
        for other in ("Charente-Maritime", "Deux-Sèvres", "Vienne (86)", "Les départements et les réseaux"):
            assert other not in document
    assert "Réseau Angoulême" in pdf_text and "Cognac" not in pdf_text and "Niort" not in pdf_text


def test_a_department_reader_receives_their_networks_only(frozen):
    view = letter.view(frozen, Scope("ien-io", "79", "ien79@ac-poitiers.fr"))
    text = letter_html.plain_text(view)
    assert "Votre territoire : Deux-Sèvres (79)" in text
    assert "Réseau Niort" in text and "Réseau Nord Deux-Sèvres" in text
    figures_part, _, shared = text.partition("Pratiques à partager")
    assert "Angoulême" not in figures_part and "Cognac" not in text and "Réseau Poitiers" not in text
    assert "Un café des parents au collège" in shared  # practices are written to be shared by every reader


def test_the_academie_roles_receive_every_territory(frozen):
    full = letter_html.plain_text(letter.view(frozen, Scope("mlds", "ACAD", "m")))
    aggregates = letter_html.plain_text(letter.view(frozen, Scope("lecteur", "ACAD", "l")))
    assert "Réseau Cognac" in full and "Réseau Niort" in full and "Charente-Maritime (17)" in full
    assert "Réseau" not in aggregates.replace("réseau FOQUALE", "").replace("Réseaux", "") or \
        "Réseau Cognac" not in aggregates
    assert "Cognac" not in aggregates and "Votre territoire" not in aggregates


# --- drafts, publication, rights --------------------------------------------------------------------------


def test_a_published_letter_is_frozen(published):
    engine, row = published
    with pytest.raises(store.LetterRefused, match="publiée"):
        store.save_draft(engine, EDITOR, OPEN_YEAR, OPEN_PERIOD, BLOCKS)
    with pytest.raises(store.LetterRefused, match="déjà publiée"):
        store.publish(engine, EDITOR, OPEN_YEAR, OPEN_PERIOD)
    with engine.connect() as conn:
        assert [r["numero"] for r in store.published(conn)] == [1]
        log = audit.recent(conn, Scope.full(), action=store.PUBLISH_ACTION)
    assert log.height == 1 and log["utilisateur"][0] == "coordination.mlds"


def test_only_the_letter_editors_write(published):
    engine, _ = published
    for role, code in (("reseau", "R16-ANG"), ("ien-io", "79"), ("lecteur", "ACAD")):
        with pytest.raises(AccessDenied):
            store.save_draft(engine, Scope(role, code, "x"), OPEN_YEAR, OPEN_PERIOD, BLOCKS)
        with pytest.raises(AccessDenied):
            recipients.replace(engine, Scope(role, code, "x"), RECIPIENTS.encode())


def test_changes_since_the_previous_letter_use_its_published_figures():
    def part(raccroches, rate, late):
        rows = [{"niveau": "reseau", "cellules": {"statut_trajectoire": {"valeur": "en_retard" if i < late
                                                                         else "sur_trajectoire"}}} for i in range(14)]
        return {"chiffres": [{"cle": "raccroches", "texte": f"{raccroches}", "valeur": raccroches},
                             {"cle": "taux_atteinte", "texte": f"{rate} %", "valeur": rate / 100}],
                "tableau": rows, "periodes": []}

    now = {"annee": OPEN_YEAR, "numero": 7, "periode_fin": OPEN_PERIOD, "part": part(2148, 78.2, 5)}
    previous = {"annee": OPEN_YEAR, "numero": 6, "periode_fin": "2017-02-28"}
    text = parts.changes(now, previous, part(1835, 66.8, 7))
    assert text[0] == "Depuis la lettre n° 6 (bilan au 28 février 2017), 313 jeunes de plus ont été raccrochés " \
                      "(1835 puis 2148)."
    assert text[1] == "Le taux d'atteinte de l'objectif passe de 66.8 % à 78.2 % (+11,4\u00a0pt)."
    assert text[2] == "Réseaux FOQUALE en retard sur leur trajectoire : 5, contre 7 à la lettre précédente."


# --- recipients file ----------------------------------------------------------------------------------------


def test_a_bad_recipients_file_lists_every_problem_and_changes_nothing(published):
    engine, _ = published
    bad = ("email;nom;role;territoire_code\n"
           "pas-une-adresse;;recteur;\n"
           "a@ac-poitiers.fr;;chef;\n"
           "b@ac-poitiers.fr;;reseau;\n"
           "c@ac-poitiers.fr;;reseau;R99-XXX\n"
           "a@ac-poitiers.fr;;lecteur;\n")
    with pytest.raises(recipients.RecipientsInvalid) as refused:
        recipients.replace(engine, EDITOR, bad.encode("cp1252"))
    messages = [str(p) for p in refused.value.problems]
    assert messages == [
        "ligne 2, colonne « email » : adresse électronique invalide « pas-une-adresse »",
        "ligne 3, colonne « role » : rôle inconnu « chef » (attendu : recteur, csaio, dasen, ien-io, psad, reseau, "
        "lecteur, mlds)",
        "ligne 4, colonne « territoire_code » : le rôle reseau demande un réseau FOQUALE (son code)",
        "ligne 5, colonne « territoire_code » : « R99-XXX » n'est pas un réseau FOQUALE (R16-ANG, R16-COG…) du "
        "découpage territorial",
        "ligne 6, colonne « email » : adresse « a@ac-poitiers.fr » déjà présente ligne 3",
    ]
    with engine.connect() as conn:
        assert len(recipients.listed(conn)) == 5


# --- sending ---------------------------------------------------------------------------------------------


def test_dry_run_writes_one_message_per_recipient(published, tmp_path):
    engine, row = published
    outcomes = sending.distribute(engine, EDITOR, row["id"], dry_run_dir=tmp_path)
    assert [o.sent for o in outcomes] == [True] * 5
    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 5
    by_to = {}
    for path in files:
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        by_to[msg["To"]] = msg
    head = by_to["reseau.angouleme@ac-poitiers.fr"]
    assert head["Subject"] == "Lettre de la MLDS n° 1 — bilan au 30 avril 2017"
    html = head.get_body(("html",)).get_content()
    text = head.get_body(("plain",)).get_content()
    images = [p for p in head.walk() if p.get_content_type() == "image/png"]
    attachments = [p for p in head.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(images) == 2 and all(f'cid:{p["Content-ID"].strip("<>")}' in html for p in images)
    assert len(attachments) == 1 and attachments[0].get_filename() == "lettre-mlds-n1-2017-04-30.pdf"
    assert "Cognac" not in html and "Cognac" not in text and "Cognac" not in _pdf_text(attachments[0].get_content())
    assert "Réseau Cognac" in by_to["recteur@ac-poitiers.fr"].get_body(("html",)).get_content()
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(db.lettre_envois)
                            .where(db.lettre_envois.c.mode == "essai")).scalar_one()
        log = audit.recent(conn, Scope.full(), action=sending.DRY_RUN_ACTION)
    assert rows >= 5 and log.height >= 5
    assert "Lettre n° 1 → reseau.angouleme@ac-poitiers.fr : écrit" in log["detail"].to_list()


class _Relay:
    """aiosmtpd handler: refuses ``refuse@…`` at RCPT, keeps every accepted message."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # aiosmtpd's API
        if address.startswith("refuse@"):
            return "550 5.1.1 Mailbox unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's API
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    handler = _Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()  # returns once the server answers
    yield handler, controller.port
    controller.stop()


def test_smtp_sending_goes_on_when_one_recipient_fails(published, smtp_server):
    engine, row = published
    handler, port = smtp_server
    config = sending.SmtpConfig(host="127.0.0.1", port=port, starttls=False, sender="lettre-mlds@ac-poitiers.fr")
    outcomes = sending.distribute(engine, EDITOR, row["id"], config=config)
    by_email = {o.email: o for o in outcomes}
    assert len(outcomes) == 5
    failed = by_email["refuse@ac-poitiers.fr"]
    assert not failed.sent and failed.detail.startswith("adresse refusée par le serveur d'envoi (550")
    assert all(o.sent for e, o in by_email.items() if e != "refuse@ac-poitiers.fr")
    delivered = sorted(to[0] for to, _ in handler.received)
    assert delivered == ["ien79@ac-poitiers.fr", "lecteur@ac-poitiers.fr", "recteur@ac-poitiers.fr",
                         "reseau.angouleme@ac-poitiers.fr"]  # after the refused one, the others still go
    ien79 = email.message_from_bytes(dict((to[0], c) for to, c in handler.received)["ien79@ac-poitiers.fr"],
                                     policy=policy.default)
    assert ien79["From"] == "lettre-mlds@ac-poitiers.fr" and "Réseau Niort" in ien79.get_body(("plain",)).get_content()
    with engine.connect() as conn:
        history = sending.history(conn, row["id"])
        log = audit.recent(conn, Scope.full(), action=sending.SEND_ACTION)
    smtp_rows = [h for h in history if h["mode"] == "smtp"]
    assert sorted(h["statut"] for h in smtp_rows) == ["echec", "envoye", "envoye", "envoye", "envoye"]
    assert log.height == 5
    assert any(d.startswith("Lettre n° 1 → refuse@ac-poitiers.fr : échec (adresse refusée") for d in log["detail"])


def test_an_unreachable_relay_is_reported_for_each_recipient(published):
    engine, row = published
    config = sending.SmtpConfig(host="127.0.0.1", port=_free_port(), starttls=False)
    outcomes = sending.distribute(engine, EDITOR, row["id"], config=config, only=["lecteur@ac-poitiers.fr",
                                                                                 "ien79@ac-poitiers.fr"])
    assert [o.sent for o in outcomes] == [False, False]
    assert all(o.detail.startswith("serveur d'envoi injoignable") for o in outcomes)


def test_smtp_configuration_from_environment(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[lettre.smtp]\nhost = "relais.ac-poitiers.fr"\nport = 25\nstarttls = false\n', encoding="utf-8")
    assert sending.load_config({}, tmp_path / "absent.toml") is None
    assert sending.load_config({}, secrets) == sending.SmtpConfig("relais.ac-poitiers.fr", 25, False)
    env = {"DASHBOARD_SMTP_HOST": "smtp.ac-poitiers.fr", "DASHBOARD_SMTP_USER": "u", "DASHBOARD_SMTP_PASSWORD": "p",
           "DASHBOARD_SMTP_FROM": "mlds@ac-poitiers.fr"}
    assert sending.load_config(env, secrets) == sending.SmtpConfig("smtp.ac-poitiers.fr", 25, False, "u", "p",
                                                                   "mlds@ac-poitiers.fr")


def test_sending_without_relay_nor_dry_run_is_refused(published):
    engine, row = published
    with pytest.raises(sending.SendingRefused, match="n'est pas configuré"):
        sending.distribute(engine, EDITOR, row["id"], config=None)


# --- command line ---------------------------------------------------------------------------------------


def test_cli_preview_and_refusals(writable_demo_url, tmp_path):
    out = tmp_path / "apercu.html"
    done = cli.run_cli("dashboard.lettre", "--database-url", writable_demo_url, "--annee", OPEN_YEAR, "--periode",
                       OPEN_PERIOD, "--out", out)
    assert done.returncode == 0, done.stderr
    assert "Aperçu du brouillon (non publié)" in done.stdout
    assert "Lettre de la MLDS (brouillon) — bilan au 30 avril 2017" in out.read_text(encoding="utf-8")
    old = cli.run_cli("dashboard.lettre", "--database-url", writable_demo_url, "--annee", OPEN_YEAR, "--periode",
                      "2017-02-28", "--out", tmp_path / "x.pdf")
    assert old.returncode == 1 and "reçus jusqu'au 30 avril 2017" in old.stderr
    unsent = cli.run_cli("dashboard.lettre", "--database-url", writable_demo_url, "--annee", OPEN_YEAR, "--envoyer")
    assert unsent.returncode == 1 and "n'est pas publiée" in unsent.stderr
    assert "Traceback" not in old.stderr + unsent.stderr


def test_cli_as_a_process_writes_the_pdf(writable_demo_url, tmp_path):
    out = tmp_path / "lettre.pdf"
    done = cli.run_subprocess("dashboard.lettre", "--database-url", writable_demo_url, "--annee", OPEN_YEAR,
                              "--out", out)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")


def test_a_draft_overtaken_by_a_new_bilan_is_offered_again(writable_demo_url):
    from sqlalchemy import insert

    engine = database.make_engine(writable_demo_url)
    try:
        store.save_draft(engine, EDITOR, OPEN_YEAR, OPEN_PERIOD, BLOCKS)
        with engine.begin() as conn:  # the June bilan of one network arrives before the publication
            row = conn.execute(select(db.bilans).where(db.bilans.c.reseau_code == "R86-POI",
                                                       db.bilans.c.periode_fin == OPEN_PERIOD)).mappings().one()
            conn.execute(insert(db.bilans).values({**row, "periode_fin": "2017-06-30"}))
        with pytest.raises(store.LetterRefused, match="reçus jusqu'au 30 juin 2017"):
            store.save_draft(engine, EDITOR, OPEN_YEAR, OPEN_PERIOD, BLOCKS)
        with engine.connect() as conn:
            earlier = store.earlier_draft(conn, OPEN_YEAR, "2017-06-30")
        assert earlier["periode_fin"] == OPEN_PERIOD
        assert {b["titre"] for b in earlier["blocs"]} >= {"Un café des parents au collège", "Éditorial"}
    finally:
        engine.dispose()
