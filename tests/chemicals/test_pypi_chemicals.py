"""The PyPI `chemicals` identifier table, loaded beside our own `chemicals` app without shadowing it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from chemicals import pypi_chemicals
from chemicals.pypi_chemicals import cas_for_name, lookup, normalize_name

ROOT = Path(__file__).resolve().parents[2]


def fullwidth(text: str) -> str:
    """The text as a Japanese IME types it: ASCII letters, digits and "-" in their full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_lookup_gives_formula_and_names():
    dehp = lookup("117-81-7")
    assert dehp is not None
    assert dehp.cas == "117-81-7"
    assert dehp.formula == "C24H38O4"
    assert dehp.common_name
    assert {"dehp", "bis(2-ethylhexyl) phthalate"} <= dehp.names
    assert "117-81-7" not in dehp.names  # CAS numbers among the synonyms are not names


def test_lookup_normalises_its_input():
    assert lookup(fullwidth("7439-92-1")) == lookup("7439-92-1")
    assert lookup("7439-92-1").formula == "Pb"


@pytest.mark.parametrize("cas", ["7440-43-8", "12345", "", "not a number", "SN0015", None])
def test_lookup_returns_none_for_bad_input(cas):
    assert lookup(cas) is None


def test_lookup_does_not_follow_a_number_that_is_only_a_synonym():
    # The table lists the PVC polymer's number only among the synonyms of its monomer, vinyl chloride
    # (75-01-4); the package's own search would return the monomer, for compliance another substance.
    assert lookup("9002-86-2") is None
    assert lookup("75-01-4").formula == "C2H3Cl"


def test_a_valid_number_missing_from_the_table_is_none():
    assert lookup("12597-69-2") is None  # steel: a valid number, but the table has no record


@pytest.mark.parametrize(
    ("name", "cas"),
    [
        ("Toluene", "108-88-3"),
        ("  toluene ", "108-88-3"),
        (fullwidth("TOLUENE"), "108-88-3"),
        ("DEHP", "117-81-7"),
        ("Bis(2-ethylhexyl) phthalate", "117-81-7"),
        ("tin", "7440-31-5"),
        ("Sn", "7440-31-5"),  # element symbols, in their own case
        ("Pb", "7439-92-1"),
    ],
)
def test_cas_for_name(name, cas):
    assert cas_for_name(name) == cas


@pytest.mark.parametrize(
    "name", ["", "   ", "steel", "PVC", "other", "その他", "Lead powder", "flame retardant"]
)
def test_cas_for_name_returns_none_for_unknown_names(name):
    assert cas_for_name(name) is None


def test_cas_for_name_does_not_read_names_as_formulas_or_smiles():
    # CAS_from_any would try "CO" as carbon monoxide; a supplier's "SN" is not tin either.
    assert cas_for_name("SN") != "7440-31-5"


def test_normalize_name():
    assert normalize_name("  Bis(2-Ethylhexyl)   Phthalate ") == "bis(2-ethylhexyl) phthalate"
    assert normalize_name(fullwidth("PVC")) == "pvc"


def test_pypi_modules_stay_out_of_sys_modules_in_this_process():
    lookup("117-81-7")
    assert "chemicals.identifiers" not in sys.modules
    assert Path(sys.modules["chemicals"].__file__).resolve() == ROOT / "chemicals" / "__init__.py"
    assert "chemicals.identifiers" in pypi_chemicals._PYPI_MODULES


def test_first_load_after_django_setup_keeps_our_app_importable():
    # A fresh interpreter, so the swap really happens here (in this process it may have happened long ago):
    # Django set up and our models imported, then the PyPI package loaded from several threads at once, then
    # more of our app imported.
    script = textwrap.dedent(
        """
        import importlib, sys
        import django
        django.setup()
        import chemicals.models
        ours = sys.modules["chemicals"]
        from concurrent.futures import ThreadPoolExecutor
        from chemicals import pypi_chemicals
        # First use from several threads at once: one import, one table load, the same answers.
        with ThreadPoolExecutor(8) as pool:
            found = list(pool.map(lambda c: pypi_chemicals.lookup(c).formula, ["7439-92-1", "117-81-7"] * 8))
        assert found == ["Pb", "C24H38O4"] * 8, found
        pypi_chemicals.preload()
        assert pypi_chemicals.cas_for_name("tin") == "7440-31-5"
        assert sys.modules["chemicals"] is ours
        assert sys.modules["chemicals.models"] is chemicals.models
        import chemicals.list_diff  # not imported before the swap
        from chemicals.models import SubstanceGroup
        assert SubstanceGroup._meta.app_label == "chemicals"
        assert not any(n == "chemicals.identifiers" or n == "chemicals.elements" for n in sys.modules)
        try:
            importlib.import_module("chemicals.identifiers")
        except ModuleNotFoundError:
            pass
        else:
            raise AssertionError("the PyPI package leaked into sys.modules")
        print("ok")
        """
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "procurement_portal.settings", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
