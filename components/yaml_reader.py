"""Reads Pulumi.yaml and the stack files as the pulumi CLI does: YAML 1.2, core schema.

The pulumi CLI is written in Go and reads YAML 1.2, so `protectData: no` is the string "no"
(YAML 1.1 readers such as PyYAML turn it into `false` and would silently unprotect the data
stores). Duplicate keys are errors. Every scalar keeps the text the user wrote, so an error
can quote `yes` or `null` rather than Python's `True` or `None`.

ruamel.yaml composes the document (YAML 1.2 resolution of plain scalars); the values are
built here from the node tree, which is what gives us the written text and the line.
https://yaml.org/spec/1.2.2/#103-core-schema
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_TAG = "tag:yaml.org,2002:"


class YamlFileError(ValueError):
    """A file that cannot be read as YAML: one line naming the file, the line and the problem."""

    def __init__(self, file: str, problem: str, line: int | None = None):
        self.file, self.problem, self.line = file, problem, line
        where = f"{file} line {line}" if line else file
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Scalar:
    """A value as read: the Python value, the text as written, and its line (1-based)."""

    value: Any
    written: str
    line: int


@dataclass
class Document:
    """A YAML file as plain values, plus, for each mapping key path, what was written."""

    file: str
    data: Any
    written: dict[tuple[str, ...], Scalar] = field(default_factory=dict)
    lines: dict[tuple[str, ...], int] = field(default_factory=dict)
    """Line of each mapping key, by path."""


def _scalar(node: Any, file: str) -> Any:
    tag, text = node.tag.removeprefix(_TAG), node.value
    if tag == "null":
        return None
    if tag == "bool":
        return text.lower() == "true"
    if tag == "int":
        lowered = text.lower().lstrip("+")
        try:
            if lowered.lstrip("-").startswith(("0o", "0x")):
                return int(lowered, 0)
            return int(lowered)
        except ValueError:
            raise YamlFileError(file, f"{text} is not a number", node.start_mark.line + 1) from None
    if tag == "float":
        lowered = text.lower().lstrip("+")
        if lowered in (".inf", "-.inf"):
            return -math.inf if lowered.startswith("-") else math.inf
        if lowered == ".nan":
            return math.nan
        return float(lowered)
    return text


def _spelling(node: Any) -> str:
    """The scalar as the user wrote it, quotes included when they quoted it; a control
    character (a tab written as \\t) is shown escaped, so an error stays one readable line."""
    if node.style == '"':
        return json.dumps(node.value, ensure_ascii=False)
    text = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in node.value)
    return f"'{text}'" if node.style == "'" else text


def _build(node: Any, path: tuple[str, ...], document: Document) -> Any:
    kind = type(node).__name__
    if kind == "ScalarNode":
        value = _scalar(node, document.file)
        if path:
            document.written[path] = Scalar(value, _spelling(node), node.start_mark.line + 1)
        return value
    if kind == "SequenceNode":
        return [_build(item, (*path, str(i)), document) for i, item in enumerate(node.value)]
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if type(key_node).__name__ != "ScalarNode":
            raise YamlFileError(
                document.file, "a mapping key must be a plain name", key_node.start_mark.line + 1
            )
        key = str(key_node.value)
        line = key_node.start_mark.line + 1
        if key_node.tag.endswith(":merge") or key == "<<":
            # YAML 1.1 merge keys are not part of YAML 1.2's core schema: readers disagree on
            # them, so a merged value may not be what the pulumi CLI reads.
            raise YamlFileError(
                document.file, "<< (a YAML merge key) is not supported: write each key out", line
            )
        if key in result:
            first = document.lines[(*path, key)]
            raise YamlFileError(document.file, f"duplicate key {key} (first set on line {first})", line)
        document.lines[(*path, key)] = line
        result[key] = _build(value_node, (*path, key), document)
    return result


def read_yaml(path: Path) -> Document:
    """The file as a Document; raises YamlFileError (missing, unreadable, not YAML, duplicates)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise YamlFileError(path.name, f"not found in {path.parent}") from None
    except OSError as error:
        raise YamlFileError(path.name, f"cannot be read ({error.strerror or error})") from None
    try:
        # The pulumi CLI reads UTF-8; a Latin-1 editor's é is one byte that is not.
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise YamlFileError(
            path.name,
            f"is not UTF-8 text: byte 0x{data[error.start]:02x} at column {column} (save the file as UTF-8)",
            line,
        ) from None
    document = Document(file=path.name, data=None)
    try:
        root = YAML(typ="safe", pure=True).compose(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join(str(error.problem or error.context or "not valid YAML").split())
        raise YamlFileError(
            path.name, f"not valid YAML: {problem}", mark.line + 1 if mark else None
        ) from None
    except YAMLError as error:
        raise YamlFileError(path.name, f"not valid YAML: {' '.join(str(error).split())}") from None
    if root is not None:
        document.data = _build(root, (), document)
    return document
