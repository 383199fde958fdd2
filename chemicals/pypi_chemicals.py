"""CAS -> formula and names, and name -> CAS, from the PyPI package `chemicals` (CalebBell, ChEDL, MIT).

The package's import name is `chemicals`, the same as this Django app, so a plain
`import chemicals.identifiers` finds our app. `_identifiers()` imports the PyPI modules once under their own
name and then moves them out of `sys.modules` again (into `_PYPI_MODULES`), putting our app's modules back:
afterwards `import chemicals.models` still means this app. Only `chemicals.identifiers` is loaded; it pulls in
`chemicals.utils` and `chemicals.elements` and nothing else of the package, and none of their functions import
lazily, so they keep working once they are out of `sys.modules`.

Call `preload()` where the process starts (a worker's or the app's start-up) so the swap happens before other
threads import anything and the ~70,000-row identifier table (about 1 s, ~150 MB) is not loaded in a request.
"""

from __future__ import annotations

import functools
import gc
import importlib
import importlib.metadata
import re
import sys
import threading
import types
import unicodedata
from dataclasses import dataclass
from typing import Any

from chemicals import cas as cas_numbers

_LOCK = threading.RLock()
_STATE: dict[str, Any] = {}
# The PyPI package's modules, kept here (not in sys.modules) so nothing can mistake them for our app.
_PYPI_MODULES: dict[str, types.ModuleType] = {}


@dataclass(frozen=True)
class SubstanceIdentity:
    """What the identifier database says a CAS number is."""

    cas: str
    formula: str  # Hill order as the database writes it, e.g. "C24H38O4"; "" if the database has none
    common_name: str
    iupac_name: str
    names: frozenset[str]  # every name and synonym, through normalize_name


def normalize_name(text: str) -> str:
    """The form names are compared in: NFKC (full-width to ASCII), lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _own(name: str) -> bool:
    return name == "chemicals" or name.startswith("chemicals.")


def _import_pypi_identifiers() -> types.ModuleType:
    package_dir = importlib.metadata.distribution("chemicals").locate_file("chemicals")
    ours = {name: sys.modules.pop(name) for name in list(sys.modules) if _own(name)}
    try:
        stub = types.ModuleType("chemicals")
        stub.__path__ = [str(package_dir)]
        sys.modules["chemicals"] = stub
        return importlib.import_module("chemicals.identifiers")
    finally:
        for name in [name for name in sys.modules if _own(name)]:
            _PYPI_MODULES[name] = sys.modules.pop(name)
        sys.modules.update(ours)


def _identifiers() -> types.ModuleType:
    module = _STATE.get("identifiers")
    if module is None:
        with _LOCK:
            module = _STATE.get("identifiers")
            if module is None:
                module = _import_pypi_identifiers()
                _STATE["symbols"] = {element.symbol: element for element in module.periodic_table}
                _STATE["identifiers"] = module
    return module


def _database() -> Any:
    # Callers hold _LOCK: the in-memory database loads its big table on the first miss; that must happen once.
    return _identifiers().get_pubchem_db()


def preload() -> None:
    """Import the package and load its full identifier table now rather than on the first look-up.

    The table is a few hundred thousand long-lived objects that every full garbage collection would walk again
    (about 0.3 s each time); at start-up they are collected once and then frozen out of the collector's view.
    """
    with _LOCK:
        _database().finish_loading()
    gc.collect()
    gc.freeze()


_CAS_LIKE = re.compile(r"^\d{2,7}-\d{2}-\d$")


def _identity(record: Any) -> SubstanceIdentity:
    names = {
        normalize_name(name) for name in [record.common_name, record.iupac_name, *record.synonyms] if name
    }
    return SubstanceIdentity(
        cas=record.CASs,
        formula=record.formula or "",
        common_name=record.common_name or record.iupac_name or "",
        iupac_name=record.iupac_name or "",
        # The synonym lists also hold CAS numbers (their own and obsolete ones); those are not names.
        names=frozenset(name for name in names if name and not _CAS_LIKE.match(name)),
    )


@functools.lru_cache(maxsize=16384)
def lookup(cas: str | None) -> SubstanceIdentity | None:
    """The database's identity for exactly this CAS number, or None (bad number, or not in the database).

    Only an exact CAS hit counts. The package's own `search_chemical` falls back to records that merely list
    the number among their synonyms, which turns the polymer PVC (9002-86-2) into its monomer vinyl chloride
    (75-01-4); for compliance that is a different substance, so such numbers are reported as unknown.
    """
    canonical = cas_numbers.normalize(cas)
    if canonical is None or not cas_numbers.check_digit_ok(canonical):
        return None
    with _LOCK:
        database = _database()
        try:
            record = database.search_CAS(canonical, autoload=True)
        except (ValueError, KeyError, TypeError):
            return None
    if not record or record.CASs != canonical:
        return None
    return _identity(record)


@functools.lru_cache(maxsize=16384)
def cas_for_name(name: str | None) -> str | None:
    """The CAS number the database gives for a substance name or element symbol, or None.

    Only the name index is used, plus element symbols written with the right case ("Pb", "Sn"). The package's
    `CAS_from_any` would also read the text as SMILES or as a formula ("PVC" as P+V+C, "CO", "NO"), which
    supplier-written names are not. The synonym index is broad and noisy (PubChem lists "mica" for
    phthalocyanine and "balance" for chlordiazepoxide); callers that accuse a supplier of a wrong CAS should
    check that the name is the substance's primary name (see `chemicals.name_check`).
    """
    text = " ".join(unicodedata.normalize("NFKC", name or "").split())
    if not text:
        return None
    with _LOCK:
        database = _database()
        element = _STATE["symbols"].get(text)
        if element is not None:
            return element.CAS_standard
        try:
            record = database.search_name(text, autoload=True) or database.search_name(
                normalize_name(text), autoload=True
            )
        except (ValueError, KeyError, TypeError):
            return None
    return record.CASs if record else None
