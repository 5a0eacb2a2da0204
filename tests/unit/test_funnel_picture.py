"""The funnel picture (hs-japan graph): text wrapped by measured width at word boundaries
(CJK by character), no line starting with closing punctuation, and a legend for the
badges (issue 16). The layout in a browser is checked in tests/integration/test_design.py."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from hs_japan.blueprint import load_blueprint
from hs_japan.commands.design import funnel_svg, text_width, wrap
from tests.helpers import DEFAULT_BLUEPRINT

NS = "{http://www.w3.org/2000/svg}"


def test_wrap_breaks_between_words_and_cjk_characters() -> None:
    text = "Proposal, evaluation, nemawashi, formal quote, ringi (and vendor registration)"
    lines = wrap(text, 120, 11)
    assert " ".join(lines) == text  # nothing lost, every break at a space
    assert all(text_width(line, 11) <= 120 for line in lines)
    ja = "提案・評価・根回し・正式見積・稟議・内示と口座開設（取引先登録）"
    lines = wrap(ja, 100, 11)
    assert "".join(lines) == ja and len(lines) > 1
    assert all(text_width(line, 11) <= 100 for line in lines)
    assert not any(line[0] in "）)、。・" for line in lines)
    # a word longer than the whole line is the only thing ever cut
    long = wrap("Supercalifragilistic", 40, 11)
    assert "".join(long) == "Supercalifragilistic" and len(long) > 1
    assert all(text_width(line, 11) <= 40 for line in long)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_picture_text_keeps_words_whole_and_explains_badges(lang: str) -> None:
    bp = load_blueprint(DEFAULT_BLUEPRINT)
    root = ElementTree.fromstring(funnel_svg(bp, lang))
    lines = ["".join(t.itertext()) for t in root.iter(f"{NS}text")]
    assert all(line.strip() for line in lines)
    assert not any(re.fullmatch(r"\W{1,2}", line) for line in lines)  # no lone ")"
    assert not any(line[0] in ")）、。" for line in lines)
    if lang == "en":
        drawn = set(re.findall(r"[A-Za-z]+", " ".join(lines)))
        for fs, _ in bp.funnel:
            for note in fs.elements.values():
                for word in re.findall(r"[A-Za-z]+", note.pick("en")):
                    assert word in drawn, f"{word!r} was split across lines"
    legend = " ".join(lines)
    assert "✓3 = " in legend
    assert ("凡例" if lang == "ja" else "Legend") in legend


def test_readme_shows_the_pictures_make_pictures_writes() -> None:
    import struct
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    for name in ("funnel.png", "report.png"):
        assert f"](docs/img/{name})" in readme
        data = (root / "docs" / "img" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, _height = struct.unpack(">II", data[16:24])
        assert width == 1400  # as headless Chromium shows it at 1400 px
    assert "scripts/pictures.sh" in (root / "Makefile").read_text(encoding="utf-8")
