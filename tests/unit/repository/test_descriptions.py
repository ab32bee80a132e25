"""Descriptions: depositors' HTML shown without anything that could run, and exported as text."""

from __future__ import annotations

from openvre.repository.descriptions import plain_text, safe_html


def test_allowed_markup_stays_and_text_is_escaped() -> None:
    given = (
        '<p>Spectra <b>of</b> <i>muons</i> &amp; 1 &lt; 2</p><ul><li>one</li></ul><a href="https://cern.ch">CERN</a>'
    )
    assert safe_html(given) == (
        "<p>Spectra <b>of</b> <i>muons</i> &amp; 1 &lt; 2</p><ul><li>one</li></ul>"
        '<a href="https://cern.ch" rel="nofollow noopener">CERN</a>'
    )


def test_scripts_handlers_styles_and_script_links_are_removed() -> None:
    given = (
        '<p onclick="steal()" style="x">Hi<script>steal()</script><style>p{}</style></p>'
        '<a href="javascript:steal()">click</a><img src=x onerror=steal()><iframe src="//evil"></iframe>'
        "<svg><script>steal()</script></svg>"
    )
    assert safe_html(given) == "<p>Hi</p>click"


def test_unbalanced_markup_is_closed_and_stray_end_tags_dropped() -> None:
    assert safe_html("<b>bold <i>both</b> after</i></p>") == "<b>bold <i>both</i></b> after"
    assert safe_html("<em>open") == "<em>open</em>"


def test_plain_text_separates_blocks_but_not_inline_tags() -> None:
    assert plain_text("<p>Calibrated mu<b>on</b>&nbsp;spectra.</p><p>Raw<br>data.</p>") == (
        "Calibrated muon spectra. Raw data."
    )
    assert plain_text("a<script>x()</script>b") == "ab"
