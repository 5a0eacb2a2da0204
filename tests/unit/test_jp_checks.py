"""法人番号 check digits and katakana readings."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hs_japan.jp_checks import corporate_number_check_digit, corporate_number_problem, kana_problem

# the National Tax Agency's own corporate number (国税庁法人番号公表サイト), whose check digit
# was verified by hand against the formula, and a second number built to be valid
KNOWN = ["7000012050002", "6000012010023"]


def test_published_numbers_are_valid() -> None:
    for number in KNOWN:
        assert corporate_number_problem(number) is None, number


@given(st.text("0123456789", min_size=12, max_size=12), st.integers(0, 11), st.integers(1, 9))
def test_one_mistyped_digit_is_always_caught(base: str, position: int, shift: int) -> None:
    number = f"{corporate_number_check_digit(base)}{base}"
    assert corporate_number_problem(number) is None
    digits = list(base)
    digits[position] = str((int(digits[position]) + shift) % 10)
    typo = f"{number[0]}{''.join(digits)}"
    # the weights 1 and 2 are units mod 9, so a changed digit changes the sum mod 9,
    # except 0<->9 at weight 1, which the algorithm cannot see (documented, rare)
    changed = (int(digits[position]) - int(base[position])) * (1 if (12 - position) % 2 else 2)
    if changed % 9:
        assert corporate_number_problem(typo) is not None


def test_length_and_kana() -> None:
    assert corporate_number_problem("700001205000") == "is not 13 digits"
    assert kana_problem("カブシキガイシャ トウワセイキ") is None
    assert kana_problem("ヤマダ・タロウ") is None
    assert kana_problem("やまだ") == "is not in full-width katakana"
    assert kana_problem("ﾔﾏﾀﾞ") == "is not in full-width katakana"
