"""Does a paragraph attribute what it says to someone?

A paragraph with no reporting verb ("said", "told", "warned", "according to")
and no quotation mark speaks in the publisher's own voice: the journalist's on a
news page, the ministry's in a press release. The voice stage
(:mod:`tagger.model.voice`) reads these flags. The test is deliberately plain (a
word list, not a parser) so that it costs a few microseconds a paragraph.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["QUOTE_MARKS", "REPORTING_WORDS", "attribution_flags", "is_attributed"]

QUOTE_MARKS = frozenset('"“”«»„')

# English reporting verbs (the usual inventory of grammars and style guides) and the
# nouns that carry attribution. Regular forms are generated; irregular ones listed.
_VERBS = """
accept acknowledge add admit advise affirm agree allege announce answer argue ask assert
assure blame boast brief caution cite claim comment complain concede conclude confirm contend
counter declare decline deny describe disclose dismiss dispute doubt emphasise emphasize
estimate explain fear forecast hint indicate inform insist instruct maintain mention note
object observe order post predict promise quote recall recount reiterate remark remind reply
report respond reveal signal state stress suggest testify threaten urge vow warn welcome
""".split()
_IRREGULAR = """
say says saying said tell tells telling told write writes writing wrote written think thinks
thinking thought speak speaks speaking spoke spoken show shows showing showed shown
according interview interviews interviewed statement statements spokesman spokeswoman
spokesperson spokespeople briefing communique communiqué admitted admitting signalled
signalling
""".split()


def _inflect(verb: str) -> set[str]:
    """A regular verb's forms: base, third person, past, present participle."""
    if verb.endswith("y") and verb[-2] not in "aeiou":
        return {verb, verb[:-1] + "ies", verb[:-1] + "ied", verb + "ing"}
    if verb.endswith("ee"):
        return {verb, verb + "s", verb + "d", verb + "ing"}
    if verb.endswith("e"):
        return {verb, verb + "s", verb + "d", verb[:-1] + "ing"}
    third = verb + ("es" if verb.endswith(("s", "sh", "ch", "x")) else "s")
    return {verb, third, verb + "ed", verb + "ing"}


REPORTING_WORDS = frozenset(set(_IRREGULAR).union(*(_inflect(v) for v in _VERBS)))

# Punctuation to spaces, so that a split gives the words (faster than a regular expression).
_TO_SPACE = str.maketrans({c: " " for c in string.punctuation + "“”«»„’‘—–…"})


def is_attributed(text: str, words: frozenset[str] = REPORTING_WORDS) -> bool:
    """True when ``text`` has a reporting word or a quotation mark.

    >>> is_attributed("The army retook the airport on Tuesday.")
    False
    >>> is_attributed("The army retook the airport, a spokesman said.")
    True
    """
    if any(mark in text for mark in QUOTE_MARKS):
        return True
    return not words.isdisjoint(text.lower().translate(_TO_SPACE).split())


def attribution_flags(texts: Sequence[str] | Iterable[str], words: Iterable[str] = REPORTING_WORDS) -> np.ndarray:
    """A boolean array: :func:`is_attributed` of each text."""
    vocabulary = words if isinstance(words, frozenset) else frozenset(words)
    return np.fromiter((is_attributed(t, vocabulary) for t in texts), dtype=bool)
