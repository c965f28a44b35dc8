"""How the operator commands write: human tables on a terminal, plain rows when stdout is a
pipe or a file (never truncated, never wrapped, no trailing spaces), JSON documents with a
`schemaVersion`, errors as exactly one line on stderr, a progress indicator on stderr only
when it is a terminal and the work takes more than a second. NO_COLOR is honoured (rich
reads it: https://no-color.org/).

User values are never parsed as rich markup: errors are printed as `Text`, and renderers
pass user values through `rich.markup.escape`.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from rich.console import Console
from rich.errors import MarkupError
from rich.table import Table
from rich.text import Text

SCHEMA_VERSION = 1
"""Version of every JSON document the CLI writes; raised when a field changes meaning."""

QUIET = False
"""`-q`: no progress lines on stderr (errors, notes and the result are still written)."""


def make_console(stderr: bool = False, file: TextIO | None = None) -> Console:
    """soft_wrap: printed lines are never cut at the console width (a terminal wraps them
    itself; a log keeps them whole)."""
    return Console(stderr=stderr, file=file, soft_wrap=True, highlight=False)


def one_line(message: object) -> str:
    return " ".join(str(message).split())


def print_error(message: object, stream: TextIO | None = None) -> None:
    """`error: <message>` as one line on stderr, markup in the message printed as written."""
    stream = stream or sys.stderr
    text = one_line(message)
    console = Console(file=stream, soft_wrap=True, highlight=False)
    if console.is_terminal and not console.no_color:
        console.print(Text.assemble(("error: ", "bold red"), text))
    else:
        stream.write(f"error: {text}\n")
        stream.flush()


def print_note(message: object, stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    stream.write(f"note: {one_line(message)}\n")


_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")


def camel(key: Any) -> Any:
    """`rto_seconds` -> `rtoSeconds`; keys that are data (`trading-dr:tier`, `us-west-2`,
    `FAILOVER_LOCK_SECONDS`) are left as they are."""
    if not isinstance(key, str) or not _SNAKE.match(key):
        return key
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# Copied verbatim: a resource's inputs are what the provider receives, names included.
_VERBATIM = frozenset({"inputs"})


def camel_keys(value: Any) -> Any:
    """The same data with every field name in camelCase: one key style in every document."""
    if isinstance(value, dict):
        return {camel(key): item if key in _VERBATIM else camel_keys(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [camel_keys(item) for item in value]
    return value


def json_document(kind: str, body: dict[str, Any]) -> str:
    """A JSON document: `schemaVersion` and `kind` first, then the body, keys in camelCase."""
    return json.dumps(
        camel_keys({"schemaVersion": SCHEMA_VERSION, "kind": kind, **body}), indent=2, default=str
    )


def write_document(path: str, text: str) -> None:
    """Write a document the operator asked for (`--out FILE`); a failed write (disk full,
    a read-only file system) is one line, not a traceback."""
    from ops.errors import OperatorError

    try:
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(text if text.endswith("\n") else text + "\n")
    except OSError as error:
        raise OperatorError(f"cannot write {path}: {error.strerror or error}") from None


def progress(message: str) -> None:
    """One progress line on stderr (never stdout, so piped results stay clean); none with -q."""
    if not QUIET:
        sys.stderr.write(f"{message}\n")
        sys.stderr.flush()


def _plain(cell: Any) -> str:
    if isinstance(cell, Text):
        return cell.plain
    text = str(cell)
    try:
        return Text.from_markup(text).plain
    except MarkupError:
        return text


def plain_rows(table: Table) -> list[str]:
    """The table as aligned plain lines: title, header, rows; no trailing spaces."""
    headers = [_plain(column.header) for column in table.columns]
    columns = [[_plain(cell) for cell in column._cells] for column in table.columns]
    rows = [headers, *(list(row) for row in zip(*columns, strict=True))] if columns else [headers]
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
    lines = [_plain(table.title)] if table.title else []
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if table.columns[i].justify == "right" else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def emit_table(console: Console, table: Table) -> None:
    """The one way a command prints a table: a rich table on a terminal, plain rows
    otherwise. On a narrow terminal cells fold onto more lines; no cell or header is ever
    cut to an ellipsis (or to nothing)."""
    if console.is_terminal:
        for column in table.columns:
            column.no_wrap = False
            column.overflow = "fold"
            # Room for the longest word of the header and of every cell, so a name folds
            # only when even that cannot fit.
            words = [w for text in (column.header, *column._cells) for w in _plain(text).split()] or [""]
            column.min_width = max(column.min_width or 0, min(max(len(w) for w in words), 24))
        console.print(table)
        return
    for line in plain_rows(table):
        console.file.write(line + "\n")
    console.file.flush()


@contextmanager
def working(message: str, console: Console | None = None, delay: float = 1.0) -> Iterator[None]:
    """A spinner on stderr while a block runs, shown only on a terminal and only once the
    work has taken `delay` seconds; never on stdout, so piped output stays clean."""
    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield
        return
    status = console.status(message)
    lock = threading.Lock()
    state = {"started": False, "done": False}

    def start() -> None:
        with lock:
            if not state["done"]:
                status.start()
                state["started"] = True

    timer = threading.Timer(delay, start)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            state["done"] = True
            if state["started"]:
                status.stop()
