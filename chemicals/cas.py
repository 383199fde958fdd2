"""CAS Registry Numbers and chemSHERPA group numbers as suppliers type them (pure: no database).

Suppliers paste CAS numbers from spreadsheets, PDFs and Japanese or Chinese forms, so the same number arrives
as "7439-92-1", in full-width digits, "0007439-92-1", "7439 92 1" or "7439921". `normalize` turns all of these
into the one canonical form the reference data uses, so that look-ups compare like with like.
"""

from __future__ import annotations

import re
import unicodedata

# The canonical shape: 2-7 digits, 2 digits, 1 check digit (reference/substances.md §2).
CAS_FORMAT = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")
SN_FORMAT = re.compile(r"^SN\d{4}$")

# NFKC folds full-width digits and U+FF0D, but not the typographic dashes that word processors and PDF copies
# put between the groups, nor the Japanese long-vowel mark that IMEs produce for "-" in kana mode.
_DASHES = dict.fromkeys(
    map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\u30fc\uff70"), "-"
)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_DASHES)


def normalize(text: str | None) -> str | None:
    """Return `text` as a canonical CAS number ("7439-92-1"), or None if it cannot be one.

    Full-width digits and dashes become ASCII, spaces go, leading zeros are dropped, and an undashed number
    ("117817") gets its hyphens back. The check digit is not tested here: see `check_digit_ok`.
    """
    if not text:
        return None
    compact = "".join(_fold(text).split())
    if re.fullmatch(r"\d+", compact):
        digits = compact.lstrip("0")
        if not 5 <= len(digits) <= 10:
            return None
        compact = f"{digits[:-3]}-{digits[-3:-1]}-{digits[-1]}"
    match = CAS_FORMAT.match(compact)
    if not match:
        return None
    first = match.group(1).lstrip("0")
    if len(first) < 2:
        return None
    return f"{first}-{match.group(2)}-{match.group(3)}"


def is_cas_format(text: str | None) -> bool:
    """True if `text` is exactly a canonical CAS number ("7439-92-1"): what `normalize` returns, no spaces,
    full-width characters or leading zeros. The check digit is not tested (see `check_digit_ok`).
    """
    return bool(text) and CAS_FORMAT.match(text) is not None and normalize(text) == text


def looks_like_cas(text: str | None) -> bool:
    """True if free text is written as a hyphenated CAS number, in any width and spacing.

    The undashed form does not count here: "117817" is a CAS number to `normalize` in a CAS column, but in a
    name field it is just a number.
    """
    return bool(text) and CAS_FORMAT.match("".join(_fold(text).split())) is not None


def check_digit_ok(cas: str | None) -> bool:
    """True if `cas` normalises to a CAS number whose check digit is right.

    The digits before the check digit, read right to left, are weighted 1, 2, 3, ...; the sum mod 10 must be
    the check digit. A right check digit only proves the number is well-formed, not that it names the
    substance the supplier meant (see `chemicals.name_check`).
    """
    canonical = normalize(cas)
    return canonical is not None and expected_check_digit(canonical) == int(canonical[-1])


def normalize_sn(text: str | None) -> str | None:
    """Return a chemSHERPA substance-group number in canonical form ("SN0015"), or None."""
    if not text:
        return None
    compact = "".join(_fold(text).split()).upper()
    return compact if SN_FORMAT.match(compact) else None


def is_sn_number(text: str | None) -> bool:
    """True for a chemSHERPA substance-group number such as "SN0015" (declared instead of a CAS number)."""
    return normalize_sn(text) is not None


def expected_check_digit(cas: str | None) -> int | None:
    """The check digit that the digits of `cas` call for (for the message that reports a wrong one)."""
    canonical = normalize(cas)
    if canonical is None:
        return None
    body = canonical[:-2].replace("-", "")
    return sum(weight * int(digit) for weight, digit in enumerate(reversed(body), start=1)) % 10
