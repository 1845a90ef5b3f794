"""A CSV roster as text: decoding its bytes (UTF-8, GBK/GB18030, UTF-16 with or without a BOM,
or a named encoding), sniffing its delimiter, and reading its records, refusing an unclosed
quotation mark.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterator
from itertools import islice

from .headers import HEADER_SEARCH_ROWS, _is_blank, _map_header
from .kinds import RosterKind
from .messages import (
    _BAD_CSV,
    _BINARY,
    _UNCLOSED_QUOTE,
    _UNDECODABLE,
    _UNKNOWN_ENCODING,
    _WRONG_ENCODING,
    RosterError,
)


class _NotText(RosterError):
    """Binary data: no text encoding ``decode_csv`` knows reads it."""


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding.strip()).name
    except LookupError:
        raise RosterError(_UNKNOWN_ENCODING % {"encoding": encoding}) from None


def decode_csv(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of a CSV file and the encoding used to read it.

    Without ``encoding``: a UTF-8 BOM means utf-8-sig, a UTF-16 BOM (Excel's "Unicode text")
    utf-16; NUL bytes mean UTF-16 without a BOM (``_utf16_codec``) or binary data; otherwise
    strict UTF-8, then GB18030 (a superset of GBK, which Chinese Excel writes). Raises
    ``RosterError`` for binary data or text in none of these.
    """
    if encoding:
        name = _codec_name(encoding)
        if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
            name = "utf-8-sig"
        try:
            text = data.decode(name)
        except UnicodeDecodeError as exc:
            raise RosterError(
                _WRONG_ENCODING % {"encoding": encoding, "position": exc.start}
            ) from exc
    else:
        text = name = ""
        if data.startswith(codecs.BOM_UTF8):
            candidates = ("utf-8-sig",)
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            candidates = ("utf-16",)
        elif b"\x00" in data:
            codec = _utf16_codec(data)
            if codec is None:
                raise _NotText(_BINARY)
            candidates = (codec,)
        else:
            candidates = ("utf-8", "gb18030")
        for name in candidates:
            try:
                text = data.decode(name)
                break
            except UnicodeDecodeError:
                pass
        else:
            raise RosterError(_UNDECODABLE)
    if "\x00" in text:
        raise _NotText(_BINARY)
    return text.removeprefix("\ufeff"), name


_UTF16_SAMPLE = 4096


def _utf16_codec(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when ``data`` reads as UTF-16 text without a BOM, else None.

    Some tools export "Unicode text" so. Every ASCII character of it (delimiters, digits, line
    breaks) holds a NUL byte: at odd offsets in UTF-16LE, at even ones in BE. A CJK character
    U+xx00 puts one on the other side (一 U+4E00, 开, 最, 退: common), so "mostly" is twice as
    many. Binary data has NULs on both sides, or does not decode to printable text. Judged on
    the first 4 KB.
    """
    sample = data[:_UTF16_SAMPLE]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if (even + odd) * 20 < len(sample):  # under 5% NULs: under 10% ASCII characters
        return None
    if odd >= 2 * even:
        codec = "utf-16-le"
    elif even >= 2 * odd:
        codec = "utf-16-be"
    else:
        return None
    try:  # not final: the sample may end inside a character
        text = codecs.getincrementaldecoder(codec)().decode(sample)
    except UnicodeDecodeError:
        return None
    unprintable = sum(1 for c in text if not c.isprintable() and c not in "\t\r\n")
    return codec if unprintable * 100 <= len(text) else None


#: A line as ``io.StringIO(newline="")`` reads it: up to and including \n, \r\n or \r.
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")


def _csv_lines(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(record number, cells): a record with a quoted line break is one spreadsheet row.

    A quotation mark opened and never closed makes ``csv`` read the rest of the file, without
    complaint, into one cell: every household below it would silently vanish into an address.
    So the last record is read again, strictly, and an unclosed quote is refused with its line.
    """
    consumed = 0

    def pieces() -> Iterator[str]:
        # Not io.StringIO(text, newline=""), which splits alike but first copies the text at
        # four bytes a character: 74 MB for a member roster of 300,000 people.
        nonlocal consumed
        for match in _LINE.finditer(text):
            piece = match[0]
            consumed += len(piece)
            yield piece

    reader = csv.reader(pieces(), delimiter=delimiter)
    line = start = last_start = 0
    try:
        for line, cells in enumerate(reader, start=1):
            last_start, start = start, consumed
            yield line, cells
    except csv.Error as exc:
        raise RosterError(_BAD_CSV % {"line": line + 1, "detail": exc}) from exc
    tail = text[last_start:]
    if '"' in tail:
        try:
            strict = csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter, strict=True)
            for _cells in strict:
                pass
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise RosterError(_UNCLOSED_QUOTE % {"line": line}) from exc


_SNIFF_CHARS = 64 * 1024


def _sniff_delimiter(text: str, kind: RosterKind) -> str:
    """The delimiter among , tab ; ， under which the first rows hold the best header.

    The full-width comma ， is what a roster typed in Notepad with a Chinese input method is
    separated by; a comma-separated file with ， in an address still has its header only
    under ",", so it keeps ",".
    """
    sample = text[:_SNIFF_CHARS]
    best, best_score = ",", (0, 0)
    for delimiter in (",", "\t", ";", "，"):
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        score = (-1, -1)
        try:
            rows = [r for r in islice(reader, 50) if not _is_blank(r)][:HEADER_SEARCH_ROWS]
        except csv.Error:
            continue
        for row in rows:
            score = max(score, _map_header(0, row, kind).score)
        if score > best_score:
            best, best_score = delimiter, score
    return best
