"""The routine data, loaded in a second process while this one reads the PDF.

`rutinebok sign` and `verify` need two things from data/: the routine's archive metadata as
the data gives it now (parties, organisation numbers, allowed certificates, source hash) and
whether the routine changed since the PDF was made. Loading the data (the pydantic model and
every file) takes about a fifth of a second, and so does importing pyHanko; neither needs the
other. From the command line, the data is loaded in a forked process on the machine's other
core while this one imports pyHanko and reads the PDF, and the answers come back through a
pipe. The forked process runs the very functions the commands run without it
(`reading._data_party_meta`, `verify._compare_with_data`) on the data set it loaded, so the
answers are the same; `test_forked_data_answers_are_the_same` compares them.

On a system without fork, or when the fork fails, the data is loaded here as before.
"""

from __future__ import annotations

import os
import pickle
import struct
from pathlib import Path

_HEADER = struct.Struct("!Q")


class _Lost(Exception):
    """The forked process is gone: the data is loaded here instead."""


def _send(fd: int, value) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    data = _HEADER.pack(len(payload)) + payload
    while data:
        data = data[os.write(fd, data):]


def _receive(fd: int):
    def exactly(n: int) -> bytes:
        chunks, left = [], n
        while left:
            chunk = os.read(fd, left)
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    (size,) = _HEADER.unpack(exactly(_HEADER.size))
    # From our own forked process, through a pipe only the two processes hold.
    return pickle.loads(exactly(size))


class DataWorker:
    """Answers about the data in `data_dir`, computed by a forked process. Pass it to
    `sign_pdf`/`verify_pdf` as `ds`; `close()` ends the process."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        to_child, from_parent = os.pipe()
        to_parent, from_child = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the forked process; its answers are compared in tests
            os.close(from_parent)
            os.close(to_parent)
            code = 0
            try:
                _serve(self.data_dir, to_child, from_child)
            except BaseException:  # noqa: BLE001 - never return into the parent's code
                code = 1
            finally:
                os._exit(code)
        os.close(to_child)
        os.close(from_child)
        self.pid, self._out, self._in = pid, from_parent, to_parent
        self._here: list = []  # the data loaded in this process, if the forked one is lost

    def _ask(self, *request):
        """The forked process's answer, or _Lost when it is gone (killed, out of memory)."""
        try:
            _send(self._out, request)
            ok, value = _receive(self._in)
        except (EOFError, OSError, pickle.UnpicklingError):
            raise _Lost from None
        if not ok:
            raise value
        return value

    def _loaded_here(self):
        if not self._here:
            from .reading import _load_data

            self._here.append(_load_data(None, self.data_dir))
        return self._here[0]

    def party_meta(self, routine_id: str):
        """`reading._data_party_meta` on the loaded data."""
        try:
            return self._ask("party_meta", routine_id)
        except _Lost:
            from .reading import _data_party_meta

            return _data_party_meta(self._loaded_here(), self.data_dir, routine_id)

    def compare(self, report) -> None:
        """`verify._compare_with_data` on the loaded data, its findings copied into `report`."""
        try:
            fields = self._ask("compare", report.routine, report.source_hash, report.engine)
        except _Lost:
            from .verify import _compare_with_data

            _compare_with_data(report, self.data_dir, self._loaded_here())
            return
        for name, value in fields.items():
            setattr(report, name, value)

    def close(self) -> None:
        for fd in (self._out, self._in):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


_COMPARED = ("data_note", "data_missing", "current_hash")


def _serve(data_dir: Path, requests: int, replies: int) -> None:
    import gc

    gc.disable()  # a short-lived process; see rutinebok.cli.run
    from .reading import _data_party_meta, _load_data
    from .verify import VerifyReport, _compare_with_data

    ds = _load_data(None, data_dir)
    while True:
        try:
            request = _receive(requests)
        except EOFError:
            return
        try:
            if request[0] == "party_meta":
                answer = _data_party_meta(ds, data_dir, request[1])
            else:
                report = VerifyReport(file="", routine=request[1], source_hash=request[2], engine=request[3])
                _compare_with_data(report, data_dir, ds)
                answer = {name: getattr(report, name) for name in _COMPARED}
            _send(replies, (True, answer))
        except Exception as exc:  # noqa: BLE001 - raised again in the parent, as without the fork
            try:
                _send(replies, (False, exc))
            except Exception:  # noqa: BLE001 - an exception that does not pickle
                _send(replies, (False, RuntimeError(f"{type(exc).__name__}: {exc}")))


def start(data_dir: Path | None):
    """A DataWorker for `data_dir`, or None (no data folder, or no fork here): then the
    commands load the data themselves."""
    if data_dir is None or not hasattr(os, "fork") or not Path(data_dir, "routines").is_dir():
        return None
    try:
        return DataWorker(data_dir)
    except OSError:
        return None
