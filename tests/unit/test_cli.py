"""Every command line speaks French: usage, help and usage errors (argparse's English never shows)."""

from __future__ import annotations

import importlib

import pytest

from dashboard.cli import french_message

COMMANDS = ["dashboard.auth.__main__", "dashboard.db.__main__", "dashboard.demo.__main__", "dashboard.figures.__main__", "dashboard.slides.__main__",
            "dashboard.lettre.__main__", "dashboard.disclosure.__main__", "dashboard.importer.cli"]
ENGLISH = ("usage:", "error:", "show this help", "the following arguments", "unrecognized", "positional arguments",
           "options:\n  -h, --help  show")


@pytest.mark.parametrize("module", COMMANDS)
def test_a_wrong_argument_is_answered_in_french(module, capsys):
    main = importlib.import_module(module).main
    with pytest.raises(SystemExit) as stopped:
        main(["--option-inconnue"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "utilisation : " in err and " : erreur : " in err, err
    assert not any(word in err for word in ENGLISH), err


@pytest.mark.parametrize("module", COMMANDS)
def test_the_help_is_in_french(module, capsys):
    main = importlib.import_module(module).main
    with pytest.raises(SystemExit) as stopped:
        main(["--help"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("utilisation : ") and "afficher cette aide et quitter" in out, out
    assert not any(word in out for word in ENGLISH), out


@pytest.mark.parametrize("module", ["dashboard.auth.__main__", "dashboard.db.__main__", "dashboard.disclosure.__main__"])
def test_a_missing_subcommand_is_named_in_french(module, capsys):
    with pytest.raises(SystemExit):
        importlib.import_module(module).main([])
    err = capsys.readouterr().err
    assert "arguments obligatoires manquants : commande" in err, err
    assert "utilisation : utilisation" not in err


def test_argparse_messages_are_translated():
    assert french_message("the following arguments are required: --annee") == "arguments obligatoires manquants : --annee"
    assert french_message("argument --kind: invalid choice: 'x' (choose from 'a', 'b')") == (
        "argument --kind : choix invalide 'x' (choisir parmi 'a', 'b')")
