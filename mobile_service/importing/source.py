"""Reading an import file: hash, encoding and header checks, then rows with their line numbers."""
from __future__ import annotations

import codecs
import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

CHUNK = 1 << 20


class ImportRejected(Exception):
    """The file was rejected; nothing was written. ``errors`` lists what is wrong."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors[:3]) + (" ..." if len(self.errors) > 3 else ""))


@dataclass
class ErrorLog:
    """Row errors in line order, keeping the first ``cap`` messages and counting the rest."""

    cap: int
    items: list[tuple[int, str, str]] = field(default_factory=list)
    total: int = 0

    def add(self, line: int, column: str, reason: str) -> None:
        """Record that ``column`` on ``line`` is wrong because of ``reason``."""
        self.total += 1
        if len(self.items) < self.cap:
            self.items.append((line, column, reason))

    def merge(self, items: list[tuple[int, str, str]], total: int) -> None:
        """Add errors found later (by SQL checks), keeping line order and the cap."""
        self.total += total
        self.items = sorted(self.items + items)[: self.cap]

    def messages(self) -> list[str]:
        """``line N: column: reason`` strings, then a count of the ones left out."""
        lines = [f"line {line}: {column}: {reason}" for line, column, reason in sorted(self.items)]
        if self.total > len(self.items):
            lines.append(f"... and {self.total - len(self.items)} more")
        return lines


@dataclass
class SourceFile:
    """An import file after its whole-file checks passed."""

    path: Path
    sha256: str
    size: int
    lines: int


def inspect(path: Path) -> SourceFile:
    """Hash the file and check it is non-empty UTF-8, without holding it in memory."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ImportRejected([f"file: cannot be read ({exc.strerror or exc})"]) from None
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = lines = 0
    meaningful = False
    with handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            try:
                decoded = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line = lines + chunk[: exc.start].count(b"\n") + 1
                raise ImportRejected([f"line {line}: file is not UTF-8 text (byte {size + exc.start})"]) from None
            size += len(chunk)
            lines += chunk.count(b"\n")
            if not meaningful and decoded.lstrip("\ufeff \t\r\n"):
                meaningful = True
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ImportRejected([f"line {lines + 1}: file is not UTF-8 text (truncated character at the end)"]) from None
    if not meaningful:
        raise ImportRejected(["file: is empty (a header row and data rows are expected)"])
    return SourceFile(path=path, sha256=digest.hexdigest(), size=size, lines=lines)


class CsvRows:
    """The data rows of a CSV file as ``(line_number, {column: value})`` pairs.

    The header is validated on construction: missing required columns reject the file.
    """

    def __init__(self, source: SourceFile, required: tuple[str, ...], optional: tuple[str, ...] = ()):
        self._handle = source.path.open("r", encoding="utf-8-sig", newline="")
        self._reader = csv.reader(self._handle, strict=True)
        try:
            header = next(self._reader, None)
        except csv.Error as exc:
            self.close()
            raise ImportRejected([f"line 1: header: malformed CSV ({exc})"]) from None
        if not header:
            self.close()
            raise ImportRejected(["line 1: header: the first line must be the header row"])
        names = [name.strip().lower() for name in header]
        missing = [name for name in required if name not in names]
        if missing:
            self.close()
            raise ImportRejected([f"line 1: header: missing required column(s): {', '.join(missing)}"])
        duplicated = sorted({name for name in names if names.count(name) > 1 and name in required + optional})
        if duplicated:
            self.close()
            raise ImportRejected([f"line 1: header: column(s) given twice: {', '.join(duplicated)}"])
        self.width = len(names)
        wanted = required + optional
        self.positions = {name: names.index(name) for name in wanted if name in names}

    def __iter__(self) -> Iterator[tuple[int, list[str] | str]]:
        """Yield ``(line, fields)`` (see ``positions``); ``fields`` is an error message for a malformed row."""
        previous = self._reader.line_num
        width = self.width
        while True:
            try:
                row = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield previous + 1, f"malformed CSV ({exc})"
                return  # the reader cannot resynchronise after a broken quote
            line = previous + 1
            previous = self._reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if len(row) != width:
                yield line, f"has {len(row)} fields but the header has {width}"
                continue
            yield line, row

    def close(self) -> None:
        """Close the file."""
        self._handle.close()
