"""Paragraph splitting by the labelling guide's definition, on texts we wrote."""

from __future__ import annotations

import pytest

from tagger.text import fold_whitespace, split_paragraphs

WIRE = """\
   TIKRIT, Iraq (Wire) -- Army engineers began clearing roadside bombs from
the highway north of the city on Sunday, two days after troops pushed the
last militants out of the refinery district.

   "We expect the road to reopen within a week," said Brigadier Salim Nouri,
who leads the engineering battalion.
"""


def texts(text: str) -> list[str]:
    return [s.text for s in split_paragraphs(text)]


def test_hard_wrapped_blocks_join_into_paragraphs():
    assert texts(WIRE) == [
        "TIKRIT, Iraq (Wire) -- Army engineers began clearing roadside bombs from the highway north of the city "
        "on Sunday, two days after troops pushed the last militants out of the refinery district.",
        '"We expect the road to reopen within a week," said Brigadier Salim Nouri, who leads the engineering '
        "battalion.",
    ]


def test_long_lines_in_one_block_are_each_a_paragraph():
    block = (
        "The council voted on Monday to extend the curfew in the old city by another month, citing recent attacks.\n"
        "Shopkeepers said the measure had cut their trade by half since the spring, and several have closed.\n"
        "Follow\n"
    )
    assert texts(block) == [
        "The council voted on Monday to extend the curfew in the old city by another month, citing recent attacks.",
        "Shopkeepers said the measure had cut their trade by half since the spring, and several have closed.",
        "Follow",
    ]


def test_a_line_cut_mid_sentence_runs_on():
    block = (
        "A convoy of aid lorries reached the camp after a three-day delay caused by fighting on the main road and\n"
        "checkpoints that were closed without warning by local commanders.\n"
        "Residents queued from dawn.\n"
    )
    assert texts(block) == [
        "A convoy of aid lorries reached the camp after a three-day delay caused by fighting on the main road and "
        "checkpoints that were closed without warning by local commanders.",
        "Residents queued from dawn.",
    ]


def test_short_lines_ending_mid_sentence_join_and_ones_ending_sentences_do_not():
    assert texts("Updated 4 May 2021\nShare\n\nCopyright 2021 Example News.\nAll rights reserved.\n") == [
        "Updated 4 May 2021 Share",
        "Copyright 2021 Example News.",
        "All rights reserved.",
    ]


def test_bullets_start_new_paragraphs_inside_wrapped_blocks():
    text = (
        "Key points from the briefing, which lasted about an hour and covered\n"
        "  • Engineers have cleared 40 kilometres of road since the offensive\n"
        "    ended in March\n"
        "  • Two bridges remain closed\n"
    )
    assert texts(text) == [
        "Key points from the briefing, which lasted about an hour and covered",
        "• Engineers have cleared 40 kilometres of road since the offensive ended in March",
        "• Two bridges remain closed",
    ]


def test_crlf_and_no_break_spaces_fold():
    text = "Headline\u00a0\u00a0with  spaces\t here\r\n\r\n\u00a0\r\nBody line one.\r\n"
    assert texts(text) == ["Headline with spaces here", "Body line one."]


def test_spans_point_back_into_the_original():
    for text in (WIRE, WIRE.replace("\n", "\r\n"), "\ufeffTitle\n\n  Body,\n  more.  \n"):
        for segment in split_paragraphs(text):
            assert fold_whitespace(text[segment.start : segment.end]) == segment.text
            assert not text[segment.start].isspace() and not text[segment.end - 1].isspace()


@pytest.mark.parametrize("text", ["", "\n\n", " \u00a0\t\n\r\n"])
def test_blank_text_has_no_paragraphs(text):
    assert split_paragraphs(text) == []


def test_rejects_non_strings():
    with pytest.raises(TypeError):
        split_paragraphs(b"bytes")  # type: ignore[arg-type]
