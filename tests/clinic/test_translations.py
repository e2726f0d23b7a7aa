"""The Spanish catalogue is complete: every message has a Spanish text, none left fuzzy."""

import ast
import gettext
import re
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "locale/es/LC_MESSAGES/django.po"


def entries(text: str) -> list[str]:
    """The catalogue's entries, as blocks of lines (the header first)."""
    return [block for block in text.split("\n\n") if block.strip()]


def strings(block: str, keyword: str) -> list[str]:
    """The values of `keyword` lines (msgid, msgstr, msgstr[0]…) in one entry, continuation
    lines joined."""
    values, current = [], None
    for line in block.splitlines():
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line)
        if match:
            current = match[1] if re.fullmatch(keyword, match[1]) else None
            if current:
                values.append(match[2])
        elif line.startswith('"') and current:
            values[-1] += line[1:-1]
    return values


def test_every_message_has_a_spanish_text_and_none_is_fuzzy():
    blocks = entries(CATALOGUE.read_text(encoding="utf-8"))[1:]
    assert len(blocks) > 400
    fuzzy = [block for block in blocks if re.search(r"^#,.*\bfuzzy\b", block, re.M)]
    untranslated = [
        strings(block, "msgid") for block in blocks if not all(strings(block, r"msgstr(\[\d+\])?"))
    ]
    assert fuzzy == [] and untranslated == []


def test_the_compiled_catalogue_says_what_the_text_says():
    """The .mo served is compilemessages' output of today's .po (not a stale one)."""
    with CATALOGUE.with_suffix(".mo").open("rb") as compiled:
        served = gettext.GNUTranslations(compiled)
    blocks = entries(CATALOGUE.read_text(encoding="utf-8"))[1:]
    singular = [
        (strings(block, "msgid")[0], strings(block, "msgstr")[0])
        for block in blocks
        if not strings(block, "msgctxt") and not strings(block, "msgid_plural")
    ]
    stale = [
        msgid for msgid, msgstr in singular if served.gettext(unescape(msgid)) != unescape(msgstr)
    ]
    assert len(singular) > 300 and stale == []


def unescape(text: str) -> str:
    """A PO string's text (its escapes are C's, which Python's string literals share)."""
    return ast.literal_eval(f'"{text}"')
