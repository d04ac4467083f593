"""Pasted text as ``denials`` reads it: one message per logical line, whatever the paste did to it.

A log viewer or terminal breaks lines (at spaces, or mid-word at a fixed column), a CI log puts a timestamp
or an annotation before every line, Terraform draws a margin, a JSON document escapes its line breaks and
quotes, and a masked account id may hold a space. Everything here is linear in the text's length.
"""

from __future__ import annotations

import re

# What a log puts before each line: an ISO 8601 timestamp (GitHub Actions, CloudWatch exports), an
# annotation (GitHub's ##[error]), a box-drawing or table margin (Terraform's │). Each part carries its own
# leading blanks, so a line's plain indentation stays (the fixed-column unwrapping below measures it).
_LINE_PREFIX = re.compile(
    r"^(?:[ \t]{0,16}+\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9}+)?(?:Z|[+-]\d\d:?\d\d)?[ \t]{1,8}+)?"
    r"(?:[ \t]{0,16}+##\[\w{1,16}+\][ \t]{0,8}+)?"
    r"(?:[ \t]{0,16}+[│|][ \t]?)?",
    re.MULTILINE,
)
# JSON's escapes, for a message pasted from a JSON document ("stoppedReason": "...\n...").
_JSON_ESCAPES = (("\\n", "\n"), ("\\t", "\t"), ('\\"', '"'), ("\\/", "/"))


def normalise(text: str) -> str:
    text = _unwrap(_LINE_PREFIX.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))
    if "\\" in text:  # after unwrapping: a cut may fall between an escape's two characters
        for escaped, plain in _JSON_ESCAPES:
            text = text.replace(escaped, plain)
    return _unmask(text)


def _unmask(text: str) -> str:
    """``<ACCOUNT_ID>`` and ``<account id>`` become one token, so an ARN holding one is still one word."""
    return re.sub(r"<([^<>\n]{1,40})>", lambda m: "<" + re.sub(r"\s+", "_", m.group(1)) + ">", text)


def _unwrap(text: str) -> str:
    """Join lines a terminal or a log viewer hard-wrapped at a fixed width (mid-word, so without a space).

    Lines of one length (at least 40) followed by a line no longer than them are taken as cut at that column
    (a table cell or terminal pads the cut lines): when they are a whole paragraph (two or more and the last),
    or, within a longer text, four or more (fewer could be lines broken at spaces that happen to match). Not
    when a later line begins as the first does: that is a log printing lines alike, not one line cut.
    """
    lines = text.split("\n")
    n = len(lines)
    lengths = list(map(len, lines))
    # Where a cut block can start: a line of 40 or more characters followed by one of the same length.
    starts = [i for i in range(n - 1) if lengths[i] >= 40 and lengths[i] == lengths[i + 1]]
    if not starts:
        return text
    out: list[str] = []
    done = 0  # lines before this one are in ``out``, or examined
    emitted = 0  # lines before this one are in ``out``
    for i in starts:
        if i < done:
            continue
        width, j = lengths[i], i
        while j + 1 < n and lengths[j + 1] == width:
            j += 1
        end = j + 1 if j + 1 < n and lines[j + 1].strip() and lengths[j + 1] <= width else j
        block = lines[i : end + 1]
        head = block[0].strip()[:12]
        whole = (i == 0 or not lines[i - 1].strip()) and (end + 1 == n or not lines[end + 1].strip())
        if len(block) >= (3 if whole else 5) and not any(line.strip()[:12] == head for line in block[1:]):
            # Continuation lines share the viewer's indent; a space the cut fell on would show as one more.
            indent = min(len(line) - len(line.lstrip(" ")) for line in block[1:])
            out.extend(lines[emitted:i])
            out.append(block[0] + "".join(line[indent:] for line in block[1:]))
            emitted = done = end + 1
        else:  # the run of equal lines is not one cut line: on after it (linear in the lines)
            done = j + 1
    out.extend(lines[emitted:])
    return "\n".join(out)
