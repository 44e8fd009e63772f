"""Model markdown made inert: every image form becomes a link, code stays as written."""

from __future__ import annotations

import pytest

from computer_use_demo.ui.model_text import inert_markdown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("![a](http://x/y.png?d=secret)", "[image: a](http://x/y.png?d=secret)"),
        ('![t](u "title")', '[image: t](u "title")'),
        ("![](u)", "[image](u)"),
        ("![by ref][pic]\n\n[pic]: http://r", "[image: by ref][pic]\n\n[pic]: http://r"),
        ("![pic]\n\n[pic]: http://r", "[image: pic][pic]\n\n[pic]: http://r"),
        ("![pic][]\n\n[pic]: http://r", "[image: pic][pic]\n\n[pic]: http://r"),
        ("[![n](http://n.png)](http://t)", "[[image: n](http://n.png)](http://t)"),
        ("![a ![b](http://b)](http://a)", "[image: a [image: b](http://b)](http://a)"),
        ('<img src="http://h/r.png" alt="raw">', "[image: raw](<http://h/r.png>)"),
        ("<IMG SRC=http://h/r.png>", "[image](<http://h/r.png>)"),
        ("<img alt='no source'>", ""),
    ],
)
def test_images_become_links(text: str, expected: str) -> None:
    assert inert_markdown(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "`![in code](http://x)`",
        "``a ` ![still code](http://x) ``",
        "```\n![fenced](http://x)\n```\n",
        "~~~~python\n<img src='http://x'>\n~~~~\n",
        r"\![escaped](http://x)",
        "plain text with ! and [brackets]",
        "an unclosed ![label",
    ],
)
def test_code_escapes_and_plain_text_are_untouched(text: str) -> None:
    assert inert_markdown(text) == text


def test_prose_after_a_fence_is_still_made_inert() -> None:
    text = "```\n![f](http://x)\n```\n![g](http://y) and `![h](http://z)`"
    assert inert_markdown(text) == "```\n![f](http://x)\n```\n[image: g](http://y) and `![h](http://z)`"
