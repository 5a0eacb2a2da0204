"""Japanese data-quality checks HubSpot cannot express as a validation rule (pure).

- 法人番号 (corporate number): 13 digits whose first digit is a check digit over the other
  twelve, computed as the National Tax Agency specifies: with P(n) the n-th digit of the
  12-digit base counted from its last digit and Q(n) = 1 for odd n, 2 for even n, the
  check digit is 9 − (Σ P(n)·Q(n) mod 9) (the National Tax Agency's published formula for
  the 検査用数字; checked against its own number 7000012050002). A 13-digit REGEX rule in HubSpot
  catches the length; only this catches a mistyped digit.
- フリガナ (kana readings): full-width katakana, the long-vowel mark, the middle dot and
  spaces only.
"""

from __future__ import annotations

import re

KANA = re.compile(r"^[\u30A1-\u30FA\u30FC\u30FB\u3000 ]+$")


def corporate_number_check_digit(base: str) -> int:
    """The check digit for a 12-digit base number."""
    if not re.fullmatch(r"[0-9]{12}", base):
        raise ValueError("the base of a corporate number is 12 digits")
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base), start=1))
    return 9 - total % 9


def corporate_number_problem(value: str) -> str | None:
    """Why ``value`` is not a valid 法人番号, or None when it is."""
    if not re.fullmatch(r"[0-9]{13}", value):
        return "is not 13 digits"
    if int(value[0]) != corporate_number_check_digit(value[1:]):
        return "has a wrong check digit (a digit was mistyped)"
    return None


def kana_problem(value: str) -> str | None:
    """Why ``value`` is not a katakana reading, or None when it is."""
    if not value.strip():
        return None
    if not KANA.fullmatch(value):
        return "is not in full-width katakana"
    return None
