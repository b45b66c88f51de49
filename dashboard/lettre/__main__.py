"""CLI: the MLDS letter of one bilan period.

    python -m dashboard.lettre --annee 2016-2017 [--periode 2017-04-30] --out lettre.pdf|lettre.html
    python -m dashboard.lettre --annee 2016-2017 --publier
    python -m dashboard.lettre --annee 2016-2017 --destinataires destinataires.csv
    python -m dashboard.lettre --annee 2016-2017 --envoyer [--essai DOSSIER]

``--out`` writes the published letter of the period (its frozen file), else a preview of its draft;
``--publier`` numbers and freezes it; ``--envoyer`` sends the published letter to every recipient
(``--essai DOSSIER``: writes the messages as ``.eml`` files instead). Options combine, in the order
destinataires, publier, out, envoyer. ``--periode`` defaults to the latest bilan received.

Exit codes: 0 done, 1 refused (see the French message) or a recipient failed, 2 usage error, 3 the
database could not answer.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from dashboard import fmt
from dashboard.access import auth
from dashboard.access.scope import AccessDenied
from dashboard.cli import FrenchArgumentParser, run_with_database
from dashboard.lettre import html as letter_html
from dashboard.lettre import letter, pdf, recipients, sending, store

YEAR = re.compile(r"^\d{4}-\d{4}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _parser() -> argparse.ArgumentParser:
    parser = FrenchArgumentParser(prog="python -m dashboard.lettre",
                                     description="Lettre de la MLDS : composer, publier, diffuser.")
    parser.add_argument("--database-url", default=None, help="URL de la base (par défaut : configuration)")
    parser.add_argument("--annee", required=True, help="année scolaire, par exemple 2016-2017")
    parser.add_argument("--periode", help="fin de la période du bilan (AAAA-MM-JJ) ; par défaut le dernier bilan reçu")
    parser.add_argument("--out", help="fichier de sortie .pdf ou .html")
    parser.add_argument("--publier", action="store_true", help="publie la lettre (numérotée, figée)")
    parser.add_argument("--destinataires", help="remplace la liste des destinataires par ce fichier CSV "
                                                "(email;nom;role;territoire_code)")
    parser.add_argument("--envoyer", action="store_true", help="envoie la lettre publiée à chaque destinataire")
    parser.add_argument("--essai", help="avec --envoyer : écrit les messages (.eml) dans ce dossier sans les envoyer")
    parser.add_argument("--utilisateur", default=None, help="identifiant de l'utilisateur (droits et périmètre)")
    return parser


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not YEAR.match(args.annee) or int(args.annee[5:]) != int(args.annee[:4]) + 1:
        parser.error("l'année scolaire s'écrit comme 2016-2017")
    if args.periode and not DATE.match(args.periode):
        parser.error("la période s'écrit comme 2017-04-30 (dernier jour du bimestre)")
    if args.out and Path(args.out).suffix.lower() not in (".pdf", ".html"):
        parser.error("le fichier de sortie doit se terminer par .pdf ou .html")
    if args.essai and not args.envoyer:
        parser.error("--essai s'emploie avec --envoyer")
    if not (args.out or args.publier or args.envoyer or args.destinataires):
        parser.error("indiquez au moins --out, --publier, --destinataires ou --envoyer")


def _run(engine, args) -> int:
    with engine.connect() as conn:
        scope = auth.cli_scope(conn, args.utilisateur)
        periode = args.periode or letter.latest_period(conn, args.annee)
    if periode is None:
        print(f"Erreur : aucun bilan n'a été reçu pour l'année {args.annee}.", file=sys.stderr)
        return 1
    if args.destinataires:
        count = recipients.replace(engine, scope, Path(args.destinataires).read_bytes())
        print(f"{count} destinataire(s) enregistré(s).")
    if args.publier:
        row = store.publish(engine, scope, args.annee, periode)
        print(f"Lettre n° {row['numero']} publiée (bilan au {fmt.date_long(periode)}).")
    if args.out:
        out = Path(args.out)
        with engine.connect() as conn:
            found = store.find(conn, args.annee, periode)
            if found and found["statut"] == store.PUBLISHED:
                html, pdf_bytes = store.reader_files(conn, found["id"], scope)
                what = f"lettre n° {found['numero']}"
            else:
                own = letter.variant_key(scope) != letter.FULL  # a reader's own territory part is needed
                view = letter.view(store.preview(conn, args.annee, periode, territories=own), scope)
                html, pdf_bytes = letter_html.document(view), pdf.render(view)
                what = "aperçu du brouillon (non publié)"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(pdf_bytes if out.suffix.lower() == ".pdf" else html.encode("utf-8"))
        print(f"{what.capitalize()} écrit(e) dans {out}.")
    if args.envoyer:
        with engine.connect() as conn:
            found = store.find(conn, args.annee, periode)
        if not found or found["statut"] != store.PUBLISHED:
            print(f"Erreur : la lettre du bilan au {fmt.date_long(periode)} n'est pas publiée (--publier).",
                  file=sys.stderr)
            return 1
        dry = Path(args.essai) if args.essai else None
        config = None if dry else sending.load_config()
        outcomes = sending.distribute(engine, scope, found["id"], config=config, dry_run_dir=dry)
        failed = [o for o in outcomes if not o.sent]
        verb = "écrit(s) dans " + str(dry) if dry else "envoyé(s)"
        print(f"{len(outcomes) - len(failed)} message(s) {verb} ; {len(failed)} échec(s).")
        for outcome in failed:
            print(f"Échec : {outcome.email} — {outcome.detail}", file=sys.stderr)
        return 1 if failed else 0
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _check(parser, args)
    return run_with_database(args.database_url, lambda engine: _run(engine, args), _refusal)


def _refusal(exc: Exception, engine) -> int | None:
    """The French message of a refusal of this command (exit code 1); None for any other failure."""
    if isinstance(exc, (store.LetterRefused, letter.PeriodUnavailable, sending.SendingRefused, AccessDenied)):
        print(f"Erreur : {exc.message}", file=sys.stderr)
        return 1
    if isinstance(exc, recipients.RecipientsInvalid):
        print(f"Fichier des destinataires refusé, rien n'a été modifié :\n{exc}", file=sys.stderr)
        return 1
    if isinstance(exc, OSError):
        print(f"Erreur : fichier illisible ou impossible à écrire ({exc.strerror or exc}).", file=sys.stderr)
        return 1
    return None


if __name__ == "__main__":
    sys.exit(main())
