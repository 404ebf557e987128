"""``serialpos`` commands for the tests, each in a process of its own, without paying for a new
interpreter and serialpos's imports every time.

Why: a real ``python -m serialpos`` spends 0.3-0.5 s of CPU (more on a loaded machine) starting
Python and importing typer, SQLAlchemy, httpx and serialpos before the command does anything;
the terminal tests start several hundred of them, and that was most of their time.

How: a fork server, started once per test process (one per interpreter environment, see
:data:`INTERPRETER_VARIABLES`), imports what the commands import and waits on a Unix socket.
For each command it forks a runner, which forks the command's process and reports how it
ended. The command's process gets the caller's stdin, stdout and stderr (passed as file
descriptors), environment, working directory and arguments, runs ``serialpos/__main__.py``
exactly as ``python -m serialpos`` does (:func:`runpy.run_module`), and ends as an interpreter
ends (non-daemon threads joined, atexit handlers, buffers flushed, database connections and
files closed); its exit status or signal comes back as :class:`subprocess.CompletedProcess`'s
``returncode``. So what a test sees is a separate process with its own memory, descriptors,
output, files and exit code; only the start is shared. The difference: the interpreter's
finalization (freeing every module and object, most of a short command's CPU in a forked
copy of the server's heap) is skipped; what it would do that anyone can see is done first
(:func:`_end`), and when that cannot be done the same (an uncaught exception, a suspended
generator, an object with a ``__del__`` of its own...) the interpreter ends as usual.
What a test does not see: an import-time failure of a command's modules in a fresh
interpreter (``tests/test_wheel.py``, ``tests/cli/test_console_entry.py`` and
``tests/devices/test_lazy_imports.py`` start real interpreters), and every command sees the
same hash seed.

:func:`start` leaves a command running (``tests/api/api_serving.py``'s ``serve``, about 95
modules' worth) with a :class:`subprocess.Popen`-like handle.

``SERIALPOS_TEST_FORK=0`` runs every command as a new interpreter instead.
"""

from __future__ import annotations

import atexit
import json
import locale
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

#: Variables read when the interpreter starts (or when a module is first imported), not later:
#: a command whose environment differs from a server's in any of them gets a server of its own.
INTERPRETER_VARIABLES = ("PYTHON", "LANG", "LC_", "TZ", "NO_COLOR", "TERM", "COLUMNS")
#: Modules imported before forking (see :func:`_warm`).
WARM = (
    "serialpos.services.database",
    "serialpos.services.integrity",
    "serialpos.db.migrate",
    "serialpos.terminal.journaled",
    "serialpos.terminal.sync",
    "serialpos.terminal.online",
    "httpx",
    # What a command imports only once it runs: its config folder and file (every command),
    # and httpx's transport (made with the first client: every terminal command).
    "platformdirs",
    "tomllib",
    "logging.handlers",
    "httpcore",
    "h11",
)
_HEADER = struct.Struct("!I")
_STATUS = struct.Struct("!i")


def _interpreter_env(env: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in env.items() if k.startswith(INTERPRETER_VARIABLES)))


class _Server:
    """One fork server process and the socket it listens on."""

    def __init__(self, env: dict[str, str]) -> None:
        self.folder = tempfile.mkdtemp(prefix="serialpos-fork-")
        self.path = os.path.join(self.folder, "socket")
        self.process = subprocess.Popen(
            [sys.executable, __file__, self.path],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while not os.path.exists(self.path):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the fork server did not start ({self.process.returncode})")
            time.sleep(0.02)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for name in os.listdir(self.folder):
            os.unlink(os.path.join(self.folder, name))
        os.rmdir(self.folder)


_servers: dict[tuple[tuple[str, str], ...], _Server] = {}
_lock = threading.Lock()


def _server_for(env: dict[str, str]) -> _Server:
    key = _interpreter_env(env)
    with _lock:
        if key not in _servers:
            base = {k: v for k, v in os.environ.items() if not k.startswith(INTERPRETER_VARIABLES)}
            base = {k: v for k, v in base.items() if not k.startswith(("SERIALPOS_", "XDG_"))}
            if not _servers:
                atexit.register(_stop_all)
            _servers[key] = _Server({**base, **dict(key)})
        return _servers[key]


def _stop_all() -> None:
    for server in _servers.values():
        server.stop()
    _servers.clear()


def run(
    args: list[str],
    env: dict[str, str],
    stdin: str | None = None,
    timeout: float | None = None,
    cwd: str | Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run([sys.executable, "-m", "serialpos", *args], input=stdin, env=env,
    capture_output=True, text=True, timeout=timeout, cwd=cwd)``, through the fork server."""
    command = [sys.executable, "-m", "serialpos", *args]
    if os.environ.get("SERIALPOS_TEST_FORK", "1") == "0":
        return subprocess.run(
            command,
            input=stdin,
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    server = _server_for(env)
    with tempfile.TemporaryFile() as given:
        given.write((stdin or "").encode(_encoding()))
        given.flush()
        given.seek(0)
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        request = json.dumps({"args": args, "env": env, "cwd": str(cwd or os.getcwd())}).encode()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            try:
                conn.connect(server.path)
                socket.send_fds(
                    conn,
                    [_HEADER.pack(len(request))],
                    [given.fileno(), out_write, err_write],
                )
                conn.sendall(request)
            finally:
                os.close(out_write)
                os.close(err_write)
            pid = _STATUS.unpack(_read_exactly(conn, _STATUS.size))[0]
            out, err = _collect(out_read, err_read, pid, command, timeout)
            conn.settimeout(timeout)
            returncode = _STATUS.unpack(_read_exactly(conn, _STATUS.size))[0]
    return subprocess.CompletedProcess(command, returncode, _text(out), _text(err))


class Started:
    """A command left running through the fork server (see :func:`start`): its pid, and how
    it ended, as :class:`subprocess.Popen` says them (``poll``, ``wait``, signals)."""

    def __init__(self, args: list[str], pid: int, conn: socket.socket) -> None:
        self.args = args
        self.pid = pid
        self.returncode: int | None = None
        self._conn = conn

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                ready = self._conn.recv(_STATUS.size, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            except BlockingIOError:
                return None
            if len(ready) == _STATUS.size or not ready:
                self.wait()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._conn.settimeout(timeout)
            try:
                status = _read_exactly(self._conn, _STATUS.size)
            except TimeoutError:
                raise subprocess.TimeoutExpired(self.args, timeout or 0) from None
            self.returncode = _STATUS.unpack(status)[0]
            self._conn.close()
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def start(args: list[str], env: dict[str, str], stdout: int, stderr: int) -> Started:
    """``subprocess.Popen([sys.executable, "-m", "serialpos", *args], env=env,
    stdin=DEVNULL, stdout=stdout, stderr=stderr)`` through the fork server, for a command
    that runs until stopped (a ``serve``): the same separate process, without the start-up's
    imports (about 1.2 s of CPU a ``serve``)."""
    server = _server_for(env)
    request = json.dumps({"args": args, "env": env, "cwd": os.getcwd()}).encode()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with open(os.devnull, "rb") as nothing:
        try:
            conn.connect(server.path)
            socket.send_fds(conn, [_HEADER.pack(len(request))], [nothing.fileno(), stdout, stderr])
            conn.sendall(request)
            pid = _STATUS.unpack(_read_exactly(conn, _STATUS.size))[0]
        except BaseException:
            conn.close()
            raise
    return Started([sys.executable, "-m", "serialpos", *args], pid, conn)


def _collect(
    out_read: int, err_read: int, pid: int, command: list[str], timeout: float | None
) -> tuple[bytes, bytes]:
    """Both outputs until the command's process (and anything it left holding them) closes
    them; on timeout the process is killed, as ``subprocess.run`` does."""
    chunks: dict[int, list[bytes]] = {out_read: [], err_read: []}
    deadline = None if timeout is None else time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        for fd in chunks:
            selector.register(fd, selectors.EVENT_READ)
        try:
            while selector.get_map():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    os.kill(pid, signal.SIGKILL)
                    raise subprocess.TimeoutExpired(command, timeout or 0)
                for key, _ in selector.select(left):
                    data = os.read(key.fd, 65536)
                    if data:
                        chunks[key.fd].append(data)
                    else:
                        selector.unregister(key.fd)
        finally:
            os.close(out_read)
            os.close(err_read)
    return b"".join(chunks[out_read]), b"".join(chunks[err_read])


def _encoding() -> str:
    return "utf-8" if sys.flags.utf8_mode else locale.getencoding()


def _text(data: bytes) -> str:
    """Decoded as ``subprocess.run(text=True)`` decodes: the locale's encoding, universal
    newlines."""
    return data.decode(_encoding()).replace("\r\n", "\n").replace("\r", "\n")


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        more = conn.recv(size - len(data))
        if not more:
            raise RuntimeError("the fork server's runner ended without an answer")
        data += more
    return data


# The server side: runs as ``python tests/cli_fork.py SOCKET``.


def _warm() -> None:
    """Import what every command that opens a database imports anyway (the command tree,
    SQLAlchemy, the database layer; Alembic only when a migration runs, db/migrate.py), and
    what every terminal command imports (the journal, the sync, httpx). Nothing more: a
    module a command would not import may change what it does (escpos, behind the receipt
    printer, sets up logging when imported), and the server refuses to start if the imports
    left any such trace."""
    import importlib
    import logging
    import warnings

    from serialpos.cli.commands import whole_app

    filters = list(warnings.filters)
    _build_once(whole_app())
    for name in WARM:
        importlib.import_module(name)
    if logging.getLogger().handlers or warnings.filters != filters:
        raise RuntimeError("importing the warm modules set up logging or warnings")


def _build_once(app: Any) -> None:
    """Typer turns the command tree into click's commands on every call (``Typer.__call__``
    calls ``typer.main.get_command``: the signature and type hints of each of ~100 command
    functions, 20-30 ms of CPU), the same tree every time. Built here once; every
    command's process, forked from this server, gets its own copy of the built tree, exactly
    what a fresh interpreter would build (tests/test_cli_fork.py compares them)."""
    import typer.main

    built = typer.main.get_command(app)
    original = typer.main.get_command

    def get_command(typer_instance: Any) -> Any:
        return built if typer_instance is app else original(typer_instance)

    typer.main.get_command = get_command


def _serve(path: str) -> dict[str, Any]:
    """Accept commands until the test process goes; returns only in a command's process,
    with its request, once its descriptors, environment and directory are in place.

    Runners are waited for (not left to the kernel), so their CPU time counts in this
    server's and, when it ends, in the test process's: ``time pytest`` stays honest."""
    parent = os.getppid()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".tmp")
    listener.listen(64)
    os.rename(path + ".tmp", path)  # the caller waits for the name: ready once it exists
    listener.settimeout(1.0)
    signal.signal(signal.SIGTERM, _stop_serving)
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        while os.getppid() == parent:  # until the test process is gone
            _reap(block=False)
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(None)
            header, fds, _flags, _address = socket.recv_fds(conn, _HEADER.size, 3)
            request = json.loads(_read_exactly(conn, _HEADER.unpack(header)[0]))
            if os.fork() == 0:
                listener.close()
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                return _runner(conn, fds, request)
            conn.close()
            for fd in fds:
                os.close(fd)
    finally:
        if os.getpid() == _server_pid:
            _reap(block=True)
    raise SystemExit(0)


_server_pid = os.getpid()


def _stop_serving(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _reap(block: bool) -> None:
    """Wait for ended runners (all of them when ``block``)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _runner(conn: socket.socket, fds: list[int], request: dict[str, Any]) -> dict[str, Any]:
    """Fork the command's process, tell the caller its pid, then how it ended."""
    pid = os.fork()
    if pid == 0:
        conn.close()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        return request
    for fd in fds:
        os.close(fd)
    conn.sendall(_STATUS.pack(pid))
    _, status = os.waitpid(pid, 0)
    conn.sendall(_STATUS.pack(os.waitstatus_to_exitcode(status)))
    os._exit(0)


def _main(path: str) -> None:
    import gc
    import runpy

    _warm()
    # Out of the collector's sight: a command's collections would otherwise walk (and so copy)
    # every object the server imported, 0.5 s of CPU a command.
    gc.freeze()
    request = _serve(path)
    # As ``python -m serialpos`` in that directory: argv, the directory first on sys.path.
    sys.argv = [sys.argv[0], *request["args"]]
    sys.path[0] = os.getcwd()
    try:
        runpy.run_module("serialpos", run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        stopped: SystemExit | None = stop
    else:
        stopped = None
    _end(None if stopped is None else stopped.code)  # returns when the interpreter must
    if stopped is not None:
        raise stopped


def _end(code: object) -> None:
    """End the command's process as the interpreter would, without its finalization; return
    (leaving the end to the interpreter) when what it would do cannot be done the same here.

    Finalizing a forked copy of the server's heap is most of a short command's CPU (~50 ms of
    ~65 ms for ``--help``): freeing every module and object writes to nearly every inherited
    page (copy-on-write faults, ~40 MB). What of it a test can see is done here, in the
    interpreter's order: non-daemon threads joined (``threading._shutdown``), atexit handlers
    (``logging.shutdown`` among them: log files flushed and closed), ``sys.stdout`` and
    ``sys.stderr`` flushed; then what freeing the objects would close: SQLite connections
    (the last one checkpoints the WAL and removes ``-wal`` and ``-shm``, as a new
    interpreter's end does; a forked command's finalization left both, its connections
    never freed), psycopg connections (the server is told the session ends) and open files
    (closed: flushed). Then ``os._exit`` with the exit status the interpreter gives (None:
    0, an int: itself). A command's objects hold nothing else whose freeing shows (sockets
    are closed by the exit all the same).

    Left to the interpreter: a ``SystemExit`` whose code is not an int (printed, status 1),
    any other uncaught exception (traceback, status 1; ``KeyboardInterrupt`` ends by
    SIGINT) — the caller re-raises — and, after the atexit handlers, a flush that fails
    (status 120), a warnings setup that could report unclosed resources (``-X dev``, ``-W``),
    or an object left whose freeing could run code: a suspended generator or coroutine (its
    ``finally`` blocks), or any other object with a ``__del__`` than files, sockets and the
    connections above. The interpreter's end then runs as always (the threads and atexit
    handlers already done are not done twice)."""
    import atexit
    import gc
    import io
    import sqlite3
    import types

    if code is not None and not (isinstance(code, int) and -(2**31) <= code < 2**31):
        return
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    if sys.flags.dev_mode or sys.warnoptions:
        return
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except Exception:
        return
    psycopg = sys.modules.get("psycopg")
    standard = set()
    for stream in (
        sys.stdin,
        sys.stdout,
        sys.stderr,
        sys.__stdin__,
        sys.__stdout__,
        sys.__stderr__,
    ):
        while stream is not None:  # the stream, its buffer, its raw file: flushed above
            standard.add(id(stream))
            stream = getattr(stream, "buffer", None) or getattr(stream, "raw", None)
    connections: list[Any] = []
    files: list[io.IOBase] = []
    finalized: dict[type, bool] = {}  # types whose freeing could run code
    # The command's objects: the server's are frozen (gc.freeze), out of get_objects' reach,
    # and hold no connection or file the command opened.
    for obj in gc.get_objects():
        kind = type(obj)
        if kind not in finalized:
            finalized[kind] = hasattr(kind, "__del__")
        if not finalized[kind]:
            if isinstance(obj, sqlite3.Connection):
                connections.append(obj)
        elif psycopg is not None and isinstance(obj, psycopg.Connection):
            connections.append(obj)
        elif isinstance(obj, io.IOBase):
            if id(obj) not in standard:
                files.append(obj)
        elif isinstance(obj, types.GeneratorType):
            if obj.gi_suspended:  # its finally blocks would run
                return
        elif isinstance(obj, types.CoroutineType | types.AsyncGeneratorType):
            if (obj.cr_frame if isinstance(obj, types.CoroutineType) else obj.ag_frame) is not None:
                return  # never awaited (a warning) or suspended
        elif not isinstance(obj, socket.socket):  # a socket is closed by the end as by freeing
            return
    try:
        for connection in connections:
            connection.close()
        for file in files:
            file.close()
    except Exception:
        return
    os._exit(0 if code is None else code)


if __name__ == "__main__":
    _main(sys.argv[1])
