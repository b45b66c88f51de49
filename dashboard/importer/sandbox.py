"""Files are read where they cannot hurt (item 1): ``read_isolated`` reads an uploaded or
command-line file in a child process whose address space and CPU time are capped
(``resource.setrlimit``: ``RLIMIT_AS``, ``RLIMIT_CPU``), so that no file — whatever expansion the
bounds of ``limits`` did not foresee — can take the server's memory or its processors: past a cap the
child dies, the server answers in French naming the cap, and its own memory never held the expansion.

The children are forked from a small server process started once (``forkserver``, with the readers
already imported): a read costs a fork, not a Python start. A child does not run the calling
program's main module again, as ``multiprocessing`` otherwise does (``_without_main``): under
``streamlit run`` that module is the page being drawn (Streamlit makes each script run ``__main__``),
so every read re-ran the app's entrypoint in the child — Streamlit's import, the access check, a
database connection — before reading a line. Only the reading runs there (CSV, XLSX,
JSON → ``RawTable``, within ``limits``: rows, columns, cells, characters of text); the checks
against the database then run on that bounded table in the calling process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
from multiprocessing import spawn

from dashboard import fmt
from dashboard.importer.reading import RawTable, UnreadableFile, read_file

log = logging.getLogger("dashboard.importer")

MEMORY_MB = 1536  # address space a read may add to the child's own (at the fork: the readers' modules)
CPU_SECONDS = 60  # processor time of a read (all the child's threads)
WALL_SECONDS = 240  # a read that sleeps or waits (a loaded machine) is stopped after this

CHILD_NAME = "lecture-import"

_context = None
_lock = threading.Lock()


def _without_main(get_preparation_data):
    """``multiprocessing.spawn.get_preparation_data`` that leaves out the calling program's main module
    for the readers' children (named ``CHILD_NAME``): their target, ``_child``, is imported from this
    module, and nothing of ``__main__`` is needed there. Other processes are prepared as before.
    Installed once per process, with the context (``context``)."""

    def prepare(name):
        data = get_preparation_data(name)
        if name == CHILD_NAME:
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data

    return prepare


def context():
    """The forkserver context (started once, with the readers imported)."""
    global _context
    with _lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["dashboard.importer.reading", "dashboard.importer.xlsx"])
            spawn.get_preparation_data = _without_main(spawn.get_preparation_data)
            _context = ctx
        return _context


def _address_space() -> int:
    """Bytes of address space the process holds now (``VmSize``)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _child(conn, data: bytes, filename: str, kind: str | None, memory_mb: int, cpu_seconds: int) -> None:
    """In the child: cap memory and processor time, read, send the table or the French refusal.
    The child's own error output (a native allocator's abort message, in English) goes nowhere: the
    parent tells what happened, in French."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    os.environ["POLARS_MAX_THREADS"] = "1"  # one core per read: the server's other users keep the others
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    cap = _address_space() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    try:
        raw = read_file(data, filename, kind)
        del data
        message = ("ok", raw)
    except UnreadableFile as exc:
        message = ("unreadable", exc.message, exc.line)
    except MemoryError:
        message = ("memory",)
    except Exception as exc:  # told to the parent, which answers in French
        message = ("error", type(exc).__name__)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    conn.send((*message[:1], {"peak_mb": usage.ru_maxrss / 1024, "cpu_seconds": usage.ru_utime + usage.ru_stime},
               *message[1:]))
    conn.close()
    os._exit(0)  # nothing to tidy up: the process and its memory go at once


def memory_refusal(memory_mb: int = MEMORY_MB) -> str:
    return (f"La lecture de ce fichier demande plus de {fmt.integer(memory_mb)} Mo de mémoire, la limite d'un import : "
            "il se déploie bien au-delà de sa taille (un même long texte répété dans de très nombreuses cellules, "
            "une feuille démesurée ?). Copiez le tableau utile dans un nouveau classeur, ou enregistrez-le en CSV. "
            "Rien n'a été écrit.")


def time_refusal(seconds: int = CPU_SECONDS) -> str:
    return (f"La lecture de ce fichier demande plus de {fmt.integer(seconds)} secondes de calcul, la limite d'un "
            "import : il est anormalement long à lire pour sa taille. Copiez le tableau utile dans un nouveau "
            "classeur, ou enregistrez-le en CSV. Rien n'a été écrit.")


CRASHED = ("La lecture de ce fichier s'est arrêtée sur une erreur : il est sans doute endommagé ou d'un format "
           "inhabituel. Enregistrez-le à nouveau depuis le tableur (.xlsx ou .csv) et réessayez. Rien n'a été écrit.")


#: What the last read cost in its child (peak resident memory in MB, processor seconds, the cap
#: reached if any): for the measurements of ``bench`` and the hostile-file tests only.
last_stats: dict = {}


def _outcome(message, exitcode: int | None, memory_mb: int, cpu_seconds: int) -> RawTable:
    if message is not None:
        last_stats.update(message[1])
        if message[0] == "ok":
            return message[2]
        if message[0] == "unreadable":
            raise UnreadableFile(message[2], message[3])
        if message[0] == "memory":
            last_stats["cap"] = "memory"
            raise UnreadableFile(memory_refusal(memory_mb))
        log.error("Lecture d'un fichier importé : %s dans le sous-processus", message[2])
        raise UnreadableFile(CRASHED)
    last_stats.update(exitcode=exitcode)
    if exitcode == -signal.SIGXCPU or exitcode == -signal.SIGKILL:
        last_stats["cap"] = "time"
        raise UnreadableFile(time_refusal(cpu_seconds))
    if exitcode in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS):  # an allocation refused in native code
        last_stats["cap"] = "memory"
        raise UnreadableFile(memory_refusal(memory_mb))
    log.error("Lecture d'un fichier importé : sous-processus arrêté (code %s)", exitcode)
    raise UnreadableFile(CRASHED)


def read_isolated(data: bytes, filename: str = "", kind: str | None = None, *, memory_mb: int = MEMORY_MB,
                  cpu_seconds: int = CPU_SECONDS, wall_seconds: int = WALL_SECONDS) -> RawTable:
    """``reading.read_file`` in a capped child process: the table, or ``UnreadableFile`` (French),
    including when a cap was reached (the cap named)."""
    last_stats.clear()
    ctx = context()
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(sender, data, filename, kind, memory_mb, cpu_seconds), daemon=True,
                        name=CHILD_NAME)
    child.start()
    sender.close()
    message, deadline = None, time.monotonic() + wall_seconds
    try:
        while True:
            if receiver.poll(0.1):
                try:
                    message = receiver.recv()
                except (EOFError, OSError):
                    message = None
                break
            if not child.is_alive() and not receiver.poll(0):
                break
            if time.monotonic() > deadline:
                log.warning("Lecture d'un fichier importé arrêtée après %d s", wall_seconds)
                child.kill()
                break
        child.join(10)
        if child.exitcode is None:
            child.kill()
            child.join(5)
        return _outcome(message, child.exitcode if message is None else 0, memory_mb, cpu_seconds)
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
            child.join(5)
        if child.exitcode is not None:
            child.close()
