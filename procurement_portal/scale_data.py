"""A large, realistic data set for benchmarks and dashboards (`python manage.py seed_scale`, issue 7).

Shape: the buyer group and its units (more units are created when there are few), N suppliers over the
units, the supplier categories and fifteen countries, 1-3 sites and one administrator each; survey
campaigns of last year (closed) and this year (open) for the SAQ and the environmental activity survey
with one response per active supplier; P current products whose composition trees hold S substance
entries in all, each evaluated against the active list; uploaded, rejected and queued declarations;
non-inclusion certificates (valid, expiring, expired, revoked, requested, failed); the re-evaluation run
of the active list with its verdict changes.

Real engines, run once per template: the survey engine (surveys/answers.py, surveys/scoring.py) runs on
a few hundred generated answer sets and the evaluation engine (chemicals/evaluation.py) with the
validator on a few hundred generated product trees. Every response and product reuses one template, so
every stored score, band, progress count, verdict and finding is exactly what the engine says about the
stored answers or tree, at the cost of a few hundred engine runs instead of a hundred thousand.

Speed: primary keys are allocated here, so parents and children are written in one pass without
RETURNING round trips, and rows are streamed with COPY (CSV built in memory, in chunks) on PostgreSQL
and executemany elsewhere. While the big tables load, their foreign keys and plain indexes are set
aside and rebuilt from the catalogue's own definitions in the same transaction (`bulk_load`), so the
schema ends exactly as it was, checked in one pass per constraint. The sequences are moved past the
keys and the tables vacuumed and analysed at the end.

Shortcuts, on purpose: evidence documents of survey answers point at a handful of shared files (one
per answer would be hundreds of thousands of files); issued certificates have no PDF except those of
the known supplier, which the real renderer draws; certificate verification codes come from the seeded
random generator so that a seed gives the same data (bench data, not secrets).

Everything the generator creates is recognisable (suppliers with a DUNS number starting 95 and a
website at scale.example, users with an e-mail address there, the three known logins), so
`purge_scale_data` can remove it again with set-based deletes that follow the models' on_delete rules.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import datetime
import hashlib
import io
import json
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from chemicals import cas as cas_numbers
from chemicals import composition as tree
from chemicals import pypi_chemicals
from chemicals.evaluation import ProductResult, evaluate
from chemicals.evaluation_selectors import active_list, rules_for_list
from chemicals.formats import json_tree
from chemicals.formats.registry import read_upload
from chemicals.models import (
    Declaration,
    GroupMember,
    Material,
    Product,
    ProductEvaluation,
    ProductPart,
    ReevaluationRun,
    RegulatedList,
    SubstanceEntry,
    VerdictChange,
)
from chemicals.problems import ERROR, WARNING
from chemicals.rules import RuleSet
from chemicals.validation import validate
from compliance.models import Certificate, CertificateProduct
from suppliers.models import BuyerGroup, BuyerUnit, Membership, Site, Supplier, SupplierCategory, User
from suppliers.roles import Role
from surveys import answers as answer_rules
from surveys import scoring
from surveys.models import (
    Campaign,
    EvidenceFile,
    QuestionnaireVersion,
    Response,
    ResponseVersion,
    ReviewComment,
)
from surveys.questionnaire import Question, Questionnaire

Log = Callable[[str], None]
FIXTURES = Path(settings.BASE_DIR) / "fixtures"

DUNS_PREFIX = "95"
EMAIL_DOMAIN = "scale.example"
STAFF_EMAIL = "scale-staff@example.com"
UNIT_STAFF_EMAIL = "scale-unit-staff@example.com"
SUPPLIER_EMAIL = "scale-supplier@example.com"
KNOWN_EMAILS = (STAFF_EMAIL, UNIT_STAFF_EMAIL, SUPPLIER_EMAIL)
DEFAULT_PASSWORD = "Scale-Portal-2026!"  # noqa: S105 -- printed by the command; for throw-away bench data
MIN_UNITS = 6
CHUNK = 20_000

# (code, weight, language of the supplier's users, company suffix, cities)
COUNTRIES: tuple[tuple[str, int, str, str, tuple[str, ...]], ...] = (
    ("JP", 20, "ja", "Co., Ltd.", ("Tokyo", "Osaka", "Nagoya", "Nagano", "Hamamatsu", "Kyoto")),
    ("CN", 24, "zh-hans", "Co., Ltd.", ("Suzhou", "Shenzhen", "Dongguan", "Ningbo", "Tianjin", "Wuxi")),
    ("TW", 8, "en", "Co., Ltd.", ("Taoyuan", "Hsinchu", "Taichung", "Kaohsiung")),
    ("KR", 7, "en", "Co., Ltd.", ("Seoul", "Suwon", "Changwon", "Incheon")),
    ("TH", 6, "en", "Co., Ltd.", ("Ayutthaya", "Chonburi", "Rayong", "Bangkok")),
    ("VN", 6, "en", "JSC", ("Hanoi", "Hai Phong", "Bac Ninh", "Dong Nai")),
    ("MY", 4, "en", "Sdn. Bhd.", ("Penang", "Johor Bahru", "Selangor")),
    ("DE", 6, "en", "GmbH", ("Stuttgart", "Munich", "Cologne", "Nuremberg")),
    ("US", 6, "en", "Inc.", ("Portland", "Austin", "Columbus", "San Jose")),
    ("MX", 2, "en", "S.A. de C.V.", ("Monterrey", "Guadalajara", "Queretaro")),
    ("IN", 3, "en", "Pvt. Ltd.", ("Pune", "Chennai", "Bengaluru")),
    ("ID", 2, "en", "PT", ("Batam", "Bekasi", "Surabaya")),
    ("PH", 2, "en", "Corp.", ("Laguna", "Cebu", "Batangas")),
    ("FR", 2, "en", "SAS", ("Lyon", "Grenoble", "Toulouse")),
    ("IT", 2, "en", "S.p.A.", ("Milan", "Turin", "Bologna")),
)
NAME_ROOTS = (
    "Sakura", "Fuji", "Pacific", "Golden", "Asia", "Delta", "Nova", "Summit", "Everest", "Orient",
    "Crystal", "Phoenix", "Lotus", "Star", "Eagle", "Horizon", "Vertex", "Apex", "Blue River",
    "Green Valley", "Silver", "Northern", "Eastern", "Unity", "Prime", "Bright", "Harmony", "Pioneer",
    "Zenith", "Meridian",
)  # fmt: skip
NAME_TRADES = (
    "Precision", "Electronics", "Metal Works", "Plastics", "Components", "Industries", "Technology",
    "Wire & Cable", "Chemical", "Packaging", "Machinery", "Circuits", "Devices", "Materials", "Engineering",
)  # fmt: skip
LOCAL_ROOTS = {
    "JP": ("さくら", "富士", "太平洋", "東洋", "北斗", "光"),
    "CN": ("华东", "明亮", "金星", "长江", "东方", "恒信"),
}
LOCAL_TRADES = {
    "JP": ("精密", "電子", "金属", "化成", "工業"),
    "CN": ("精密", "电子", "金属", "化工", "实业"),
}
LOCAL_SUFFIX = {"JP": "株式会社", "CN": "有限公司"}
UNIT_NAMES = (
    ("scale-automotive", "Automotive Systems Procurement"),
    ("scale-energy", "Energy Solutions Procurement"),
    ("scale-healthcare", "Healthcare Devices Procurement"),
    ("scale-rail", "Rail Systems Procurement"),
    ("scale-building", "Building Systems Procurement"),
    ("scale-digital", "Digital Products Procurement"),
)
FIRST_NAMES = (
    "Haruka",
    "Kenji",
    "Li",
    "Wei",
    "Min",
    "Jonas",
    "Emma",
    "Anh",
    "Siti",
    "Somchai",
    "Ji-woo",
    "Carlos",
)
LAST_NAMES = (
    "Sato",
    "Tanaka",
    "Zhang",
    "Chen",
    "Wang",
    "Becker",
    "Johnson",
    "Nguyen",
    "Lim",
    "Park",
    "Garcia",
)

# Product trees: product types with the names of their parts, and homogeneous materials with the
# substances (by name, resolved to CAS through the identifier database) they are usually made of.
PRODUCT_TYPES = (
    (
        "Aluminium electrolytic capacitor",
        ("Sleeve", "Case", "Capacitor element", "Sealing rubber", "Lead wire"),
    ),
    ("Chip resistor", ("Substrate", "Resistive layer", "Terminal", "Overcoat")),
    ("Terminal block", ("Housing", "Clamp", "Screw", "Marker")),
    ("Wire harness", ("Conductor", "Insulation", "Connector", "Tape")),
    ("Printed circuit board", ("Laminate", "Copper foil", "Solder mask", "Surface finish")),
    ("Relay", ("Coil", "Contact", "Armature", "Base", "Cover")),
    ("Hex bolt M6", ("Bolt", "Washer", "Coating")),
    ("DC motor", ("Stator", "Rotor", "Brush", "Bearing", "Housing")),
    ("Cooling fan", ("Impeller", "Frame", "Motor", "Cable")),
    ("Sensor module", ("Sensor die", "Package", "Lead frame", "Potting")),
    ("Transformer", ("Core", "Winding", "Bobbin", "Insulation tape")),
    ("Heat sink", ("Fin body", "Thermal pad", "Clip")),
    ("LED module", ("LED", "Board", "Lens", "Connector")),
    ("Fuse", ("Element", "Body", "End cap")),
    ("Power cable", ("Conductor", "Insulation", "Plug", "Sheath")),
)
MATERIALS = (
    ("Copper alloy", ("copper", "zinc", "tin", "iron")),
    ("Tin plating", ("tin", "copper")),
    ("Carbon steel", ("iron", "manganese", "carbon", "silicon")),
    ("Aluminium alloy", ("aluminium", "magnesium", "silicon", "manganese")),
    ("Ceramic", ("aluminium oxide", "silicon dioxide", "magnesium oxide", "barium sulfate")),
    ("Glass", ("silicon dioxide", "calcium carbonate", "aluminium oxide", "boric acid")),
    (
        "Mineral filler compound",
        ("silicon dioxide", "talc", "titanium dioxide", "calcium carbonate", "kaolin"),
    ),
    ("Lead-free solder", ("tin", "silver", "copper")),
    ("Gold plating", ("gold", "nickel")),
    ("Silver paste", ("silver", "silicon dioxide", "glycerol")),
    ("Electrolyte", ("water", "ethylene glycol", "boric acid")),
    ("Zinc coating", ("zinc", "zinc oxide")),
    ("Silicon die", ("silicon", "silicon dioxide", "aluminium")),
    ("Carbon brush", ("carbon", "copper")),
    ("Ferrite", ("ferric oxide", "manganese dioxide", "zinc oxide")),
)
EXTRA_SUBSTANCES = (
    "stearic acid", "calcium stearate", "magnesium hydroxide", "zirconium dioxide", "titanium",
    "molybdenum", "tungsten", "palladium", "platinum", "chromium", "indium", "boron nitride",
    "silicon carbide", "strontium titanate", "wollastonite", "sodium silicate", "citric acid", "sulfur",
)  # fmt: skip
PACKAGING = ("Packaging tray", ("silicon dioxide", "calcium carbonate", "titanium dioxide"))
MARKETS = (("EU", "US", "CN", "JP"), ("JP",), ("EU",), ("CN", "JP"), ("US",), ("EU", "US"), ())

SURVEY_TEXTS = (
    "Policy reviewed by the board every year.",
    "See the attached management manual, chapter 4.",
    "Covered by our ISO 14001 certified management system.",
    "Responsible: quality and environment department.",
    "Training for all new employees and yearly refresher courses.",
    "Targets are published in our sustainability report.",
)
REVIEW_REMARKS = (
    "Please attach the current version of the policy.",
    "The certificate has expired; upload the renewed one.",
    "Explain how this is monitored at your sites.",
    "The answer does not match the document you attached.",
)
STATUS_ORDER = ("accepted", "submitted", "returned", "draft", "not_started")
# Share of responses per status, in STATUS_ORDER, for (questionnaire kind, this year?).
STATUS_MIX = {
    ("saq", False): (0.80, 0.04, 0.03, 0.05, 0.08),
    ("saq", True): (0.25, 0.22, 0.06, 0.22, 0.25),
    ("env_activity", False): (0.75, 0.05, 0.02, 0.06, 0.12),
    ("env_activity", True): (0.30, 0.25, 0.05, 0.18, 0.22),
}
# The tables that take most rows: loaded with their foreign keys and plain indexes set aside.
SURVEY_TABLES = (Response, ResponseVersion, EvidenceFile, ReviewComment)
PRODUCT_TABLES = (Product, ProductPart, Material, SubstanceEntry, ProductEvaluation, Declaration)
COMPLETE_TEMPLATES = 64
PARTIAL_TEMPLATES = 32
EVIDENCE_FILES = 8


@dataclass(frozen=True)
class ScaleOptions:
    suppliers: int
    products: int
    substances: int
    seed: int = 1
    password: str = DEFAULT_PASSWORD
    pdfs: int = 2


@dataclass
class ScaleSummary:
    counts: dict[str, int] = field(default_factory=dict)
    timings: list[tuple[str, float]] = field(default_factory=list)
    verdicts: dict[str, int] = field(default_factory=dict)
    survey_templates: int = 0
    product_templates: int = 0
    known_supplier_id: int | None = None
    unit_staff_unit: str = ""


class ScaleDataError(Exception):
    pass


# --- Writing rows fast ------------------------------------------------------------------------------


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


TEXT_FIELDS = ("CharField", "TextField", "SlugField", "EmailField", "FileField", "URLField")


class Sink:
    """Rows for one table, written in chunks: COPY ... FROM STDIN (CSV) on PostgreSQL, executemany
    elsewhere. Rows hold ready values: ints, strings (JSON already dumped), Decimals, dates,
    datetimes, booleans and None. Columns the caller does not give get the field's default, so a
    column added to the model later does not break the seed."""

    def __init__(self, model: type[models.Model], fields: Sequence[str], *, chunk: int = CHUNK) -> None:
        meta = model._meta
        given = [meta.get_field(name) for name in fields]
        names = {g.attname for g in given}
        # The key is left to the database when the caller does not allocate it.
        extra = [f for f in meta.concrete_fields if f.attname not in names and not f.primary_key]
        self.defaults: tuple[Any, ...] = tuple(self._default(f) for f in extra)
        columns = [f.column for f in (*given, *extra)]
        self.table = meta.db_table
        self.vendor = connection.vendor
        quote = connection.ops.quote_name
        self.count = 0
        self.seconds = 0.0  # spent writing, for the stage report
        self.chunk = chunk
        self.rows: list[tuple[Any, ...]] = []
        all_fields = [*given, *extra]
        self.datetime_columns = [i for i, f in enumerate(all_fields) if isinstance(f, models.DateTimeField)]
        column_list = ", ".join(quote(c) for c in columns)
        if self.vendor == "postgresql":
            # Empty unquoted CSV values are NULL; text columns that cannot be NULL take them as ''.
            not_null_text = [
                quote(f.column) for f in all_fields if not f.null and f.get_internal_type() in TEXT_FIELDS
            ]
            force = f", FORCE_NOT_NULL ({', '.join(not_null_text)})" if not_null_text else ""
            self.sql = f"COPY {quote(self.table)} ({column_list}) FROM STDIN WITH (FORMAT csv{force})"
        else:
            marks = ", ".join(["%s"] * len(columns))
            self.sql = f"INSERT INTO {quote(self.table)} ({column_list}) VALUES ({marks})"  # noqa: S608

    @staticmethod
    def _default(f: models.Field) -> Any:
        if not f.has_default():
            if f.null:
                return None
            raise ScaleDataError(f"{f.model._meta.label}.{f.name} has no default: teach seed_scale about it")
        value = f.get_default()
        if isinstance(f, models.JSONField):
            return _json(value)
        return value

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row + self.defaults if self.defaults else row)
        if len(self.rows) >= self.chunk:
            self.flush()

    def extend(self, rows: Iterable[tuple[Any, ...]]) -> None:
        for row in rows:
            self.add(row)

    def flush(self) -> None:
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        started = time.perf_counter()
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                buffer = io.StringIO()
                csv.writer(buffer, lineterminator="\n").writerows(rows)
                buffer.seek(0)
                cursor.copy_expert(self.sql, buffer)
            else:
                if self.datetime_columns:
                    adapt = connection.ops.adapt_datetimefield_value
                    rows = [self._adapt(row, adapt) for row in rows]
                cursor.executemany(self.sql, rows)
        self.count += len(rows)
        self.seconds += time.perf_counter() - started

    def _adapt(self, row: tuple[Any, ...], adapt: Callable[[Any], Any]) -> tuple[Any, ...]:
        values = list(row)
        for i in self.datetime_columns:
            if values[i] is not None:
                values[i] = adapt(values[i])
        return tuple(values)


class Ids:
    """Primary keys handed out here, after the highest one in each table."""

    def __init__(self) -> None:
        self.next: dict[type[models.Model], int] = {}
        self.models: list[type[models.Model]] = []

    def take(self, model: type[models.Model], count: int = 1) -> int:
        if model not in self.next:
            top = model.objects.aggregate(top=models.Max("pk"))["top"] or 0
            self.next[model] = top + 1
            self.models.append(model)
        first = self.next[model]
        self.next[model] = first + count
        return first

    def reset_sequences(self) -> None:
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), self.models):
                cursor.execute(sql)


# --- Loading in bulk, and removing scale data again ----------------------------------------------------


@contextlib.contextmanager
def bulk_load(tables: Iterable[type[models.Model]], *, indexes: bool = True) -> Iterator[None]:
    """Inside a transaction on PostgreSQL: set aside the foreign keys from and to TABLES (and, with
    INDEXES, their plain indexes), then rebuild them from their saved definitions.

    A deferred foreign key is checked row by row at commit and an index is updated row by row; after
    a bulk load, one validating pass per constraint and one sorted build per index are several times
    faster. The definitions come from the catalogue, so nothing is lost; should anything fail, the
    transaction restores them as they were. Elsewhere it does nothing.
    """
    if connection.vendor != "postgresql":
        yield
        return
    names = sorted({model._meta.db_table for model in tables})
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Checks still deferred from earlier in the transaction (a caller's, or a test's) would make
        # PostgreSQL refuse the ALTER TABLE ("pending trigger events"): run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'f' AND (conrelid = ANY(%s::regclass[]) OR confrelid = ANY(%s::regclass[]))"
            " ORDER BY 1, 2",
            [names, names],
        )
        constraints = cursor.fetchall()
        saved_indexes: list[tuple[str, str]] = []
        if indexes:
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
                " WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
                [names],
            )
            saved_indexes = cursor.fetchall()
        for table, name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for index, _definition in saved_indexes:
            cursor.execute(f"DROP INDEX {index}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _index, definition in saved_indexes:
            cursor.execute(definition)
        for table, name, definition in constraints:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")


@dataclass
class _Plan:
    """The statements that remove some rows and what hangs off them, children first."""

    statements: list[tuple[str, str, list[Any]]] = field(default_factory=list)  # (label, sql, params)
    models: set[type[models.Model]] = field(default_factory=set)


def _purge(model: type[models.Model], where: str, params: list[Any], plan: _Plan) -> None:
    """Plan deleting MODEL rows matching WHERE and, before them, what their on_delete rules say goes
    with them (CASCADE: deleted the same way; SET_NULL: cleared). One statement per relation."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    plan.models.add(model)
    for rel in model._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        child, fk = rel.related_model, rel.field
        if child is model:
            continue  # a tree's own parent link: its rows go with their owner in the same statement
        target = quote(fk.target_field.column)
        condition = f"{quote(fk.column)} IN (SELECT {target} FROM {table} WHERE {where})"  # noqa: S608
        if rel.on_delete is models.CASCADE:
            _purge(child, condition, params, plan)
        elif rel.on_delete is models.SET_NULL:
            plan.models.add(child)
            sql = f"UPDATE {quote(child._meta.db_table)} SET {quote(fk.column)} = NULL WHERE {condition}"  # noqa: S608
            plan.statements.append(("", sql, params))
    plan.statements.append((model._meta.label, f"DELETE FROM {table} WHERE {where}", params))  # noqa: S608


def _scale_users_where() -> tuple[str, list[Any]]:
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(KNOWN_EMAILS))
    return f"{quote('email')} LIKE %s OR {quote('email')} IN ({marks})", [f"%@{EMAIL_DOMAIN}", *KNOWN_EMAILS]


def scale_suppliers() -> models.QuerySet[Supplier]:
    """The suppliers seed_scale made: both marks, so a real DUNS number starting 95 is never taken."""
    return Supplier.objects.filter(duns__startswith=DUNS_PREFIX, website__endswith=f".{EMAIL_DOMAIN}")


def has_scale_data() -> bool:
    return scale_suppliers().exists() or User.objects.filter(email__in=KNOWN_EMAILS).exists()


def purge_scale_data() -> Counter:
    """Remove the rows a previous seed_scale run created (buyer units and reference data stay; the
    few stored files - declarations, shared evidence documents, PDFs - are left in storage)."""
    done: Counter = Counter()
    quote = connection.ops.quote_name
    users_where, users_params = _scale_users_where()
    user_ids = f"SELECT {quote('id')} FROM {quote(User._meta.db_table)} WHERE {users_where}"  # noqa: S608
    plan = _Plan()
    supplier_where = f"{quote('duns')} LIKE %s AND {quote('website')} LIKE %s"
    _purge(Supplier, supplier_where, [f"{DUNS_PREFIX}%", f"%.{EMAIL_DOMAIN}"], plan)
    _purge(Campaign, f"{quote('created_by_id')} IN ({user_ids})", users_params, plan)
    _purge(ReevaluationRun, f"{quote('started_by_id')} IN ({user_ids})", users_params, plan)
    _purge(User, users_where, users_params, plan)
    # The deletes use the indexes; the constraints are checked once at the end instead of per row.
    with transaction.atomic(), bulk_load(plan.models, indexes=False), connection.cursor() as cursor:
        for label, sql, params in plan.statements:
            cursor.execute(sql, params)
            if label:
                done[label] += max(cursor.rowcount, 0)
    return done


# --- Survey templates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerSet:
    """One generated answer set with everything the survey engine derives from it."""

    maturity: float
    complete: bool
    answers: dict[str, Any]
    answers_json: str
    answered: int
    required: int
    score: float | None
    grade: str
    detail_json: str
    evidence: tuple[str, ...]  # question codes with one supporting document


def _raw_answer(question: Question, rng: random.Random, maturity: float, today: datetime.date) -> Any:
    if question.type == "ynpna":
        if rng.random() < 0.04:
            return "na"
        good = 0.2 + 0.75 * maturity
        roll = rng.random()
        return "yes" if roll < good else "partly" if roll < good + (1 - good) * 0.55 else "no"
    if question.type == "single":
        scored = sorted((o for o in question.options if o.score is not None), key=lambda o: -(o.score or 0))
        if not scored:
            # Gates ("do you have ...?"): the mature supplier more often says yes.
            codes = question.option_codes
            return codes[0] if rng.random() < 0.3 + 0.6 * maturity else rng.choice(codes)
        position = min(len(scored) - 1, int(abs(rng.gauss(0, 1)) * (1 - maturity) * len(scored)))
        return scored[position].code
    if question.type == "multi":
        codes = list(question.option_codes)
        return rng.sample(codes, k=min(len(codes), rng.randint(1, 3)))
    if question.type == "number":
        spec = question.number
        low = spec.min if spec and spec.min is not None else 0.0
        high = spec.max if spec and spec.max is not None else low + 10_000
        decimals = spec.decimals if spec else 0
        return str(round(rng.uniform(low, min(high, low + 10_000)), decimals))
    if question.type == "date":
        return (today - datetime.timedelta(days=rng.randint(30, 700))).isoformat()
    if question.type == "text":
        return rng.choice(SURVEY_TEXTS)
    return None


def make_answer_set(
    questionnaire: Questionnaire,
    rng: random.Random,
    maturity: float,
    *,
    complete: bool,
    today: datetime.date,
) -> AnswerSet:
    """Answers as a supplier of the given MATURITY (0-1) would give them, through the engine's own
    normalisation; a complete set is one the engine would accept on submission."""
    fill = 1.0 if complete else rng.uniform(0.1, 0.8)
    values: dict[str, Any] = {}
    for question in questionnaire.questions:
        if question.type == "file":
            continue
        wanted = (question.required or rng.random() < 0.6) if complete else rng.random() < fill
        if not wanted:
            continue
        value = answer_rules.normalize(question, _raw_answer(question, rng, maturity, today))
        if value is not None:
            values[question.code] = value
    if complete:
        values = answer_rules.shown_answers(questionnaire, values)
    shown = answer_rules.visible_codes(questionnaire, values)
    evidence = []
    for question in questionnaire.questions:
        if question.code not in shown:
            continue
        needs = question.type == "file" or answer_rules.evidence_required(question, values.get(question.code))
        if needs and (complete or rng.random() < fill):
            evidence.append(question.code)
    files = dict.fromkeys(evidence, 1)
    if complete:
        problems = answer_rules.submission_problems(questionnaire, values, files)
        if problems:
            raise ScaleDataError(f"generated {questionnaire.code} answers would not submit: {problems[:3]}")
    progress = answer_rules.progress(questionnaire, values, files)
    card = scoring.score(questionnaire, values)
    if card is None:
        score, grade, detail = None, "", {}
    else:
        score = None if card.overall is None else round(card.overall, 2)
        grade, detail = card.band or card.rating or "", card.as_dict()
    return AnswerSet(
        maturity=maturity,
        complete=complete,
        answers=values,
        answers_json=_json(values),
        answered=progress.answered,
        required=progress.required,
        score=score,
        grade=grade,
        detail_json=_json(detail),
        evidence=tuple(evidence),
    )


# --- Product templates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """A substance the generator may declare, as the identifier database or the list names it."""

    cas: str
    name: str
    fraction: float = 1.0  # of the counted element, for Table 1 element groups
    limit_ppm: Decimal | None = None  # the strictest numeric Table 1 limit that covers it
    intentional_only: bool = False  # a group that prohibits intentional use, with no numeric limit
    exemption: tree.Exemption | None = None


@dataclass
class Palette:
    benign: dict[str, Known]  # by the name used in MATERIALS
    extra: list[Known]
    table1: list[Known]  # with a numeric limit of at least 10 ppm
    table1_intentional: list[Known]
    table2: list[Known]
    exempted: list[Known]  # a Table 1 element member with a valid RoHS exemption to claim
    unidentified: list[Known]


def _exemption_claim(group: Any, rules: RuleSet, as_of: datetime.date) -> tree.Exemption | None:
    """A valid RoHS exemption for GROUP's substance, as a supplier would claim it (list and item)."""
    for candidates in rules.exemptions_by_item.values():
        for rule in candidates:
            if (
                rule.is_exemption
                and rule.list_name.startswith("RoHS")
                and group.exemption_token in rule.substances
                and not rule.expired(as_of)
            ):
                return tree.Exemption(list_identity=rule.list_name, reg_index=rule.item)
    return None


def _palette(rules: RuleSet, regulated_list: RegulatedList, as_of: datetime.date) -> Palette:
    def resolve(name: str) -> Known | None:
        cas = pypi_chemicals.cas_for_name(name)
        identity = pypi_chemicals.lookup(cas) if cas else None
        if identity is None:
            return None
        # Names the database resolves to a Table 1 substance would turn every product non-compliant.
        if any(
            rules.groups[m.code].prohibited_table for m in rules.index.match(cas) if m.code in rules.groups
        ):
            return None
        return Known(cas, identity.common_name or name)

    benign: dict[str, Known] = {}
    for _material, names in (*MATERIALS, PACKAGING):
        for name in names:
            if name not in benign and (known := resolve(name)) is not None:
                benign[name] = known
    extra = [k for k in (resolve(n) for n in EXTRA_SUBSTANCES) if k is not None]

    table1, intentional, table2, exempted = [], [], [], []
    members = GroupMember.objects.filter(group__regulated_list=regulated_list).order_by(
        "group__table", "group__number", "cas"
    )
    seen: set[str] = set()
    for cas, name in members.values_list("cas", "name"):
        if cas in seen:
            continue
        seen.add(cas)
        matches = [m for m in rules.index.match(cas) if m.code in rules.groups]
        groups = [rules.groups[m.code] for m in matches]
        if not groups:
            continue
        if not any(g.prohibited_table for g in groups):
            table2.append(Known(cas, name[:300]))
            continue
        if len(groups) != 1 or groups[0].regions:
            continue  # several groups or a regional rule: keep the generated verdicts easy to reason about
        group, match = groups[0], matches[0]
        limits = [
            t.ppm
            for t in group.thresholds
            if t.scope == "all"
            and t.ppm is not None
            and not t.regions
            and not t.prohibited
            and (t.members is None or cas in t.members)
        ]
        if group.counted_element and match.fraction is None:
            continue  # no formula: the engine could only bound the element's mass
        fraction = match.fraction if match.fraction is not None else 1.0
        if (
            limits
            and min(limits) >= 10
            and len(group.thresholds) == len([t for t in group.thresholds if not t.regions])
        ):
            known = Known(cas, name[:300], fraction=fraction, limit_ppm=min(limits))
            table1.append(known)
            claim = _exemption_claim(group, rules, as_of) if group.counted_element else None
            if claim is not None and group.basis == "homogeneous_material":
                exempted.append(Known(cas, name[:300], fraction, min(limits), exemption=claim))
        elif not group.thresholds and group.intentional_use_prohibited:
            intentional.append(Known(cas, name[:300], intentional_only=True))

    # Polymers the identifier database does not know: a real cause of "incomplete" verdicts.
    aliases = json.loads((FIXTURES / "chemicals" / "name-aliases.json").read_text(encoding="utf-8"))
    unidentified = []
    for alias, entry in sorted(aliases["aliases"].items()):
        for cas in entry.get("cas") or ():
            if pypi_chemicals.lookup(cas) is None and not rules.index.match(cas):
                unidentified.append(Known(cas, alias))
    if not benign or not table1 or not table2 or not unidentified:
        raise ScaleDataError(
            "the reference data lacks substances to build products from: run load_reference_data"
        )
    return Palette(benign, extra, table1, intentional, table2, exempted, unidentified)


MG = Decimal("0.0001")
# Distinct substances a material can draw on (its own few plus the extra ones).
MAX_PER_MATERIAL = 18
FINE = Decimal("0.000001")


def _mass(low: float, high: float, rng: random.Random) -> Decimal:
    return Decimal(str(round(math.exp(rng.uniform(math.log(low), math.log(high))), 1))).quantize(MG)


def _split(total: Decimal, count: int, rng: random.Random) -> list[Decimal]:
    """TOTAL in COUNT positive shares that add up exactly, the first one the largest."""
    if count == 1:
        return [total]
    weights = sorted((rng.random() + 0.05 for _ in range(count)), reverse=True)
    weights[0] += sum(weights) * 0.5
    scale = sum(weights)
    shares = [max(FINE, (total * Decimal(w / scale)).quantize(FINE)) for w in weights[1:]]
    return [total - sum(shares), *shares]


@dataclass
class ProductTemplate:
    key: tuple[str, int, int]
    tree: tree.Product
    result: ProductResult
    warnings_json: str
    findings_json: str
    breached_json: str
    relied_json: str
    eval_warnings_json: str
    substances: int
    parts: list[tuple[Any, ...]] = field(default_factory=list)
    materials: list[tuple[Any, ...]] = field(default_factory=list)
    entries: list[tuple[Any, ...]] = field(default_factory=list)


def _special(intent: str, rng: random.Random, palette: Palette) -> tuple[str, Known] | None:
    """What makes the product interesting: a Table 1 substance below or above its limit, an exempted
    use, an intentional use, a missing mass or a substance nobody can identify."""
    roll = rng.random()
    if intent == "compliant":
        if roll < 0.12 and palette.exempted:
            return "exempted", rng.choice(palette.exempted)
        if roll < 0.40:
            return "below", rng.choice(palette.table1)
        if roll < 0.70:
            return "table2", rng.choice(palette.table2)
        return None
    if intent == "non_compliant":
        if roll < 0.25 and palette.table1_intentional:
            return "intentional", rng.choice(palette.table1_intentional)
        return "above", rng.choice(palette.table1)
    if roll < 0.5:
        return "mass_missing", rng.choice(palette.table1)
    return "unidentified", rng.choice(palette.unidentified)


def build_product_tree(intent: str, substances: int, rng: random.Random, palette: Palette) -> tree.Product:
    """A composition tree with exactly SUBSTANCES entries; masses add up level by level."""
    type_name, part_names = rng.choice(PRODUCT_TYPES)
    special = _special(intent, rng, palette)
    per_material = rng.randint(2, 5)
    n_materials = max(1, min(substances, math.ceil(substances / per_material)))
    slots = [1] * n_materials
    for _ in range(substances - n_materials):
        index = rng.randrange(n_materials)
        while slots[index] >= MAX_PER_MATERIAL:
            index = (index + 1) % n_materials
        slots[index] += 1
    packaging = n_materials > 1 and rng.random() < 0.12
    materials: list[tree.Material] = []
    usable = n_materials - 1 if packaging else n_materials
    special_index = max(range(usable), key=lambda i: (slots[i], -i))
    for index, count in enumerate(slots):
        is_packaging = packaging and index == n_materials - 1
        name, names = PACKAGING if is_packaging else rng.choice(MATERIALS)
        mass = _mass(5, 3000, rng)
        pool = [palette.benign[n] for n in names if n in palette.benign]
        pool += [k for k in rng.sample(palette.extra, len(palette.extra)) if k not in pool]
        entries: list[tree.Substance] = []
        taken = 0
        if (
            index == special_index
            and special is not None
            and count >= (2 if special[0] != "unidentified" else 1)
        ):
            kind, known = special
            sub = tree.Substance(identifier=known.cas, name=known.name)
            if kind in ("below", "above", "exempted", "mass_missing"):
                limit = known.limit_ppm or Decimal(1000)
                factor = {
                    "below": rng.uniform(0.05, 0.4),
                    "above": rng.uniform(3, 30),
                    "exempted": rng.uniform(3, 20),
                }.get(kind, 0.2)
                element_mg = mass * limit * Decimal(factor) / Decimal(1_000_000)
                substance_mg = (element_mg / Decimal(repr(known.fraction))).quantize(FINE)
                sub.mass_mg = min(substance_mg, (mass / 2).quantize(FINE))
                sub.intentional = False if kind == "below" else None
                if kind == "exempted" and known.exemption is not None:
                    sub.exemptions = [known.exemption]
                    sub.intentional = True
                if kind == "mass_missing":
                    sub.mass_mg = None
            elif kind == "intentional":
                sub.mass_mg = (mass * Decimal(rng.uniform(0.001, 0.05))).quantize(FINE)
                sub.intentional = True
            elif kind == "table2":
                sub.mass_mg = (mass * Decimal(rng.uniform(0.001, 0.2))).quantize(FINE)
            else:  # unidentified: the base polymer of the material
                sub.mass_mg = (mass * Decimal(rng.uniform(0.3, 0.7))).quantize(FINE)
            entries.append(sub)
            taken = sub.mass_mg or Decimal(0)
        rest = count - len(entries)
        if rest:
            shares = _split(mass - taken, rest, rng)
            for known, share in zip(pool, shares, strict=False):
                entries.append(tree.Substance(identifier=known.cas, name=known.name, mass_mg=share))
        entries.sort(key=lambda s: -(s.mass_mg or Decimal(0)))
        materials.append(
            tree.Material(
                name=f"{name} {index + 1}" if n_materials > 1 else name,
                mass_mg=mass,
                use_code="1",
                is_packaging=is_packaging,
                substances=entries,
            )
        )
    # Materials into parts: one part per few materials, a sub-assembly now and then.
    n_parts = max(1, min(len(part_names), math.ceil(n_materials / rng.randint(1, 3))))
    parts = [
        tree.Part(
            name=part_names[i],
            identifier=f"{part_names[i][:3].upper()}-{i + 1}",
            number_of_units=Decimal(rng.choice((1, 1, 1, 2, 4))),
        )
        for i in range(n_parts)
    ]
    for index, material in enumerate(materials):
        parts[index % n_parts if index >= n_parts else index].materials.append(material)
    if n_parts >= 3 and rng.random() < 0.3:
        child = parts.pop()
        parts[0].parts.append(child)

    def roll_up(part: tree.Part) -> Decimal:
        total = sum((m.mass_mg for m in part.materials), Decimal(0))
        total += sum((roll_up(c) * c.number_of_units for c in part.parts), Decimal(0))
        part.mass_mg = total
        return total

    product_mass = sum((roll_up(p) * p.number_of_units for p in parts), Decimal(0))
    return tree.Product(
        part_number="TEMPLATE",
        name=type_name,
        version="A",
        mass_mg=product_mass,
        destination_markets=list(rng.choice(MARKETS)),
        parts=parts,
    )


def _flatten(template: ProductTemplate) -> None:
    """The template's rows with template-local keys, in the order product_tree_store writes them."""
    product = template.tree
    parts: list[tuple[Any, ...]] = []  # (local id, parent local id, position, depth, part, units)
    level = [(p, None, Decimal(1)) for p in product.parts]
    depth = position = 0
    holders: list[tuple[tree.Part, int, Decimal]] = []
    while level:
        next_level = []
        for part, parent, multiplier in level:
            local = len(parts)
            units = multiplier * part.number_of_units
            parts.append((local, parent, position, depth, part))
            holders.append((part, local, units))
            position += 1
            next_level += [(child, local, units) for child in part.parts]
        level = next_level
        depth += 1
    template.parts = [
        (local, parent, pos, dep, p.name, p.identifier, p.number_of_units, p.mass_mg, p.declared_mass)
        for local, parent, pos, dep, p in parts
    ]
    materials: list[tuple[Any, ...]] = []
    entries: list[tuple[Any, ...]] = []
    owners = [(m, None, Decimal(1), i) for i, m in enumerate(product.materials)]
    for part, local, units in holders:
        owners += [(m, local, units, i) for i, m in enumerate(part.materials)]
    for material, part_local, units, position in owners:
        m_local = len(materials)
        materials.append(
            (
                m_local,
                part_local,
                position,
                material.name,
                material.use_code,
                material.is_packaging,
                material.mass_mg,
                material.declared_mass,
            )
        )
        for index, s in enumerate(material.substances):
            entries.append(
                (
                    m_local,
                    part_local,
                    index,
                    s.identifier[:30],
                    _stored_cas(s.identifier),
                    s.name[:500],
                    s.mass_mg,
                    None if s.mass_mg is None else s.mass_mg * units,
                    s.intentional,
                    _json(
                        [
                            {
                                "list": e.list_identity,
                                "authority": e.list_authority,
                                "version": e.list_version,
                                "identity": e.identity,
                                "item": e.reg_index,
                                "description": e.description,
                            }
                            for e in s.exemptions
                        ]
                    ),
                )
            )
    template.materials = materials
    template.entries = entries


def _stored_cas(identifier: str) -> str:
    normalized = cas_numbers.normalize(identifier) or ""
    return normalized if cas_numbers.is_cas_format(normalized) else ""


def make_product_template(
    key: tuple[str, int, int], seed: int, palette: Palette, rules: RuleSet, as_of: datetime.date
) -> ProductTemplate:
    intent, substances, variant = key
    for attempt in range(20):
        rng = random.Random(f"{seed}:{intent}:{substances}:{variant}:{attempt}")  # noqa: S311 -- reproducible data, not secrets
        product = build_product_tree(intent, substances, rng, palette)
        problems = validate([product])
        if any(p.severity == ERROR for p in problems):
            continue
        result = evaluate(product, rules, as_of)
        template = ProductTemplate(
            key=key,
            tree=product,
            result=result,
            warnings_json=_json([p.as_dict() for p in problems if p.severity == WARNING]),
            findings_json=_json([f.as_dict() for f in result.findings]),
            breached_json=_json(result.breached_groups),
            relied_json=_json(result.exemptions_relied_on),
            eval_warnings_json=_json(result.warnings),
            substances=tree.count_substances(product),
        )
        if template.substances != substances:
            raise ScaleDataError(f"template {key} has {template.substances} substances")
        _flatten(template)
        return template
    raise ScaleDataError(f"no valid product tree for {key}")


# --- The generator ------------------------------------------------------------------------------------


def _largest_remainder(weights: list[float], total: int) -> list[int]:
    scale = sum(weights) or 1.0
    raw = [w * total / scale for w in weights]
    counts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


class Generator:
    def __init__(self, options: ScaleOptions, log: Log) -> None:
        self.o = options
        self.log = log
        self.rng = random.Random(options.seed)  # noqa: S311
        self.ids = Ids()
        self.summary = ScaleSummary()
        self.today = timezone.localdate()
        midnight = datetime.datetime.combine(self.today, datetime.time(0, 0))
        self.now = timezone.make_aware(midnight) if timezone.is_naive(midnight) else midnight
        self.unusable = make_password(None)

    # helpers
    def at(self, days_ago: float) -> datetime.datetime:
        return self.now - datetime.timedelta(days=days_ago)

    def stage(self, name: str, fn: Callable[[], None]) -> None:
        started = time.perf_counter()
        self.log(f"{name} ...")
        fn()
        seconds = time.perf_counter() - started
        self.summary.timings.append((name, seconds))
        self.log(f"{name}: {seconds:.1f} s")

    def sink(self, model: type[models.Model], fields: str) -> Sink:
        """A Sink for FIELDS, given as one space-separated string (in the order of the rows)."""
        return Sink(model, fields.split())

    def close(self, *sinks: Sink) -> None:
        for s in sinks:
            s.flush()
            self.summary.counts[s.table] = self.summary.counts.get(s.table, 0) + s.count
            self.log(f"  {s.table}: {s.count:,} rows written in {s.seconds:.1f} s")

    # -- run --------------------------------------------------------------------------------------
    def run(self) -> ScaleSummary:
        self.regulated_list = active_list()
        if self.regulated_list is None:
            raise ScaleDataError("no active substance list: run load_reference_data first")
        self.stage("organisation", lambda: self._atomic(self.organisation))
        self.stage("surveys", lambda: self._atomic(self.surveys, SURVEY_TABLES))
        self.stage("products, declarations", lambda: self._atomic(self.products, PRODUCT_TABLES))
        self.stage("certificates, re-evaluation", lambda: self._atomic(self.compliance))
        self.stage("sequences, VACUUM (ANALYZE)", self.finish)
        if self.o.pdfs:
            self.stage("certificate PDFs", self.render_pdfs)
        return self.summary

    def _atomic(self, fn: Callable[[], None], tables: Sequence[type[models.Model]] = ()) -> None:
        with transaction.atomic():
            loading = bulk_load(tables)
            loading.__enter__()
            fn()
            started = time.perf_counter()
            loading.__exit__(None, None, None)
            if tables and connection.vendor == "postgresql":
                self.log(f"  indexes rebuilt, constraints validated: {time.perf_counter() - started:.1f} s")

    # -- organisation -----------------------------------------------------------------------------
    def organisation(self) -> None:
        rng = self.rng
        group = BuyerGroup.objects.order_by("pk").first() or BuyerGroup.objects.create(
            name="Example Manufacturing Group"
        )
        units = list(BuyerUnit.objects.filter(group=group).order_by("pk"))
        for code, name in UNIT_NAMES[: max(0, MIN_UNITS - len(units))]:
            unit, _ = BuyerUnit.objects.get_or_create(code=code, defaults={"name": name, "group": group})
            units.append(unit)
        self.units = units
        self.categories = list(SupplierCategory.objects.order_by("code").values_list("pk", flat=True))
        n = self.o.suppliers
        first_supplier = self.ids.take(Supplier, n)
        first_user = self.ids.take(User, n + len(KNOWN_EMAILS))
        suppliers = self.sink(
            Supplier,
            "id legal_name local_name country address duns tax_id website status profile_completed_at"
            " created_at updated_at",
        )
        through_units = self.sink(Supplier.buyer_units.through, "supplier_id buyerunit_id")
        through_categories = self.sink(Supplier.categories.through, "supplier_id suppliercategory_id")
        sites = self.sink(Site, "supplier_id name address country created_at")
        users = self.sink(
            User,
            "id password last_login is_superuser email full_name language is_active is_staff date_joined",
        )
        memberships = self.sink(Membership, "user_id role supplier_id buyer_unit_id created_at")
        country_weights = [c[1] for c in COUNTRIES]
        unit_weights = [1.0 / (i + 1) ** 0.6 for i in range(len(units))]
        self.supplier_ids: list[int] = []
        self.supplier_admin: dict[int, int] = {}
        self.supplier_units: dict[int, list[int]] = {}
        self.supplier_language: dict[int, str] = {}
        self.supplier_name: dict[int, str] = {}
        self.maturity: dict[int, float] = {}
        self.active: list[int] = []
        for i in range(n):
            sid, uid = first_supplier + i, first_user + i
            code, _w, language, suffix, cities = rng.choices(COUNTRIES, weights=country_weights)[0]
            root, trade = rng.choice(NAME_ROOTS), rng.choice(NAME_TRADES)
            legal = f"PT {root} {trade}" if suffix == "PT" else f"{root} {trade} {suffix}"
            local = ""
            if code in LOCAL_ROOTS:
                local = f"{rng.choice(LOCAL_ROOTS[code])}{rng.choice(LOCAL_TRADES[code])}{LOCAL_SUFFIX[code]}"
            city = rng.choice(cities)
            created = self.at(rng.uniform(30, 1100))
            active = rng.random() > 0.03
            completed = created if rng.random() < 0.9 else None
            suppliers.add(
                (
                    sid, legal, local, code, f"{rng.randint(1, 999)} Example Road, {city}",
                    f"{DUNS_PREFIX}{i:07d}", f"TAX-{code}-{i:07d}", f"https://s{i:05d}.{EMAIL_DOMAIN}",
                    "active" if active else "inactive", completed, created, created,
                )
            )  # fmt: skip
            chosen = {rng.choices(units, weights=unit_weights)[0].pk}
            if rng.random() < 0.2:
                chosen.add(rng.choices(units, weights=unit_weights)[0].pk)
            for unit_id in sorted(chosen):
                through_units.add((sid, unit_id))
            for category in sorted(
                set(rng.sample(self.categories, k=min(len(self.categories), rng.choice((1, 1, 2)))))
            ):
                through_categories.add((sid, category))
            site_count = rng.choices((1, 2, 3), weights=(55, 35, 10))[0]
            for k in range(site_count):
                site_name = ("Head office", f"{rng.choice(cities)} factory", "Warehouse")[k]
                sites.add((sid, site_name, f"{rng.randint(1, 999)} Example Street, {city}", code, created))
            full_name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            users.add(
                (
                    uid,
                    self.unusable,
                    None,
                    False,
                    f"s{i:05d}-admin@{EMAIL_DOMAIN}",
                    full_name,
                    language,
                    True,
                    False,
                    created,
                )
            )
            memberships.add((uid, Role.SUPPLIER_ADMIN, sid, None, created))
            self.supplier_ids.append(sid)
            self.supplier_admin[sid] = uid
            self.supplier_units[sid] = sorted(chosen)
            self.supplier_language[sid] = language
            self.supplier_name[sid] = legal
            # Maturity drives survey answers and how often products fall short; larger markets vary more.
            self.maturity[sid] = min(
                1.0, max(0.0, rng.betavariate(4, 2.5) + (0.05 if code in ("JP", "DE", "US") else 0))
            )
            if active:
                self.active.append(sid)
        # The known logins: a group administrator, the manager of the busiest unit, and one supplier.
        password = make_password(self.o.password)
        unit_sizes = Counter(u for units_ in self.supplier_units.values() for u in units_)
        self.busy_unit = max(units, key=lambda u: (unit_sizes[u.pk], -u.pk))
        known = first_user + n
        self.staff_id, self.unit_staff_id, self.known_user_id = known, known + 1, known + 2
        for offset, email, name in (
            (0, STAFF_EMAIL, "Scale Administrator"),
            (1, UNIT_STAFF_EMAIL, "Scale Unit Manager"),
            (2, SUPPLIER_EMAIL, "Scale Supplier Admin"),
        ):
            users.add((known + offset, password, None, False, email, name, "en", True, False, self.at(1200)))
        memberships.add((self.staff_id, Role.ADMINISTRATOR, None, None, self.at(1200)))
        memberships.add(
            (self.unit_staff_id, Role.PROCUREMENT_MANAGER, None, self.busy_unit.pk, self.at(1200))
        )
        self.summary.unit_staff_unit = self.busy_unit.name
        self.close(users, suppliers, through_units, through_categories, sites)
        self.memberships = memberships  # the known supplier's membership is added once products are placed

    # -- surveys ----------------------------------------------------------------------------------
    def surveys(self) -> None:
        rng = self.rng
        year = self.today.year
        versions = {}
        for code in ("saq", "env_activity"):
            version = QuestionnaireVersion.objects.filter(code=code).order_by("-published_at", "-pk").first()
            if version is None:
                raise ScaleDataError(f"questionnaire {code} is not published: run load_reference_data first")
            versions[code] = version
        templates: dict[tuple[str, bool], list[AnswerSet]] = {}
        for code, version in versions.items():
            questionnaire = version.questionnaire
            for complete, count in ((True, COMPLETE_TEMPLATES), (False, PARTIAL_TEMPLATES)):
                t_rng = random.Random(f"{self.o.seed}:survey:{code}:{complete}")  # noqa: S311
                sets = [
                    make_answer_set(
                        questionnaire, t_rng, (k + 0.5) / count, complete=complete, today=self.today
                    )
                    for k in range(count)
                ]
                templates[(code, complete)] = sets
        self.summary.survey_templates = sum(len(v) for v in templates.values())
        day = datetime.date
        ago = lambda days: self.today - datetime.timedelta(days=days)  # noqa: E731
        # Last year's campaigns are closed; this year's SAQ is open and the environmental one overdue.
        campaign_specs = [
            ("saq", year - 1, "Supplier self-assessment", day(year - 1, 4, 1), day(year - 1, 6, 30), True),
            ("env_activity", year - 1, "Environmental activity survey", day(year - 1, 4, 15),
             day(year - 1, 7, 15), True),
            ("saq", year, "Supplier self-assessment", ago(40), ago(-20), False),
            ("env_activity", year, "Environmental activity survey", ago(60), ago(5), False),
        ]  # fmt: skip
        responses = self.sink(
            Response,
            "id campaign_id supplier_id site_id status answers revision answered required score grade"
            " score_detail updated_at updated_by_id submitted_at submitted_by_id reviewed_at"
            " reviewed_by_id",
        )
        response_versions = self.sink(
            ResponseVersion, "response_id number event status answers score note by_id at"
        )
        evidence = self.sink(
            EvidenceFile, "response_id question file name size content_type uploaded_by_id uploaded_at"
        )
        comments = self.sink(ReviewComment, "response_id question body revision author_id created_at")
        documents = self._evidence_documents()
        staff = self.staff_id
        for code, cyear, title, opens, due, closed in campaign_specs:
            version = versions[code]
            campaign = Campaign.objects.create(
                name=f"{title} {cyear}",
                year=cyear,
                questionnaire=version,
                level=Campaign.Level.COMPANY,
                opens_on=opens,
                due_on=due,
                status=Campaign.Status.CLOSED if closed else Campaign.Status.OPEN,
                targeting={"mode": Campaign.Targeting.ALL, "values": []},
                created_by_id=staff,
                closed_at=self._dt(due + datetime.timedelta(days=60)) if closed else None,
            )
            required_empty = answer_rules.progress(version.questionnaire, {}).required
            mix = STATUS_MIX[(code, not closed)]
            ranked = sorted(self.active, key=lambda s: -(self.maturity[s] + rng.gauss(0, 0.2)))
            quotas = _largest_remainder(list(mix), len(ranked))
            statuses: dict[int, str] = {}
            start = 0
            for status, quota in zip(STATUS_ORDER, quotas, strict=True):
                for sid in ranked[start : start + quota]:
                    statuses[sid] = status
                start += quota
            opened = self._dt(opens)
            latest = min(self.now, self._dt(due + datetime.timedelta(days=45)))
            span = max(1.0, (latest - opened).total_seconds())
            first_id = self.ids.take(Response, len(self.active))
            for offset, sid in enumerate(self.active):
                rid = first_id + offset
                status = statuses[sid]
                admin = self.supplier_admin[sid]
                m = self.maturity[sid]
                if status == "not_started":
                    responses.add(
                        (
                            rid,
                            campaign.pk,
                            sid,
                            None,
                            status,
                            "{}",
                            1,
                            0,
                            required_empty,
                            None,
                            "",
                            "{}",
                            opened,
                            staff,
                            None,
                            None,
                            None,
                            None,
                        )
                    )
                    response_versions.add((rid, 1, "created", "not_started", "{}", None, "", staff, opened))
                    continue
                pool = templates[(code, status != "draft")]
                index = min(len(pool) - 1, max(0, int((m + rng.gauss(0, 0.08)) * len(pool))))
                answer_set = pool[index]
                times = sorted(opened + datetime.timedelta(seconds=rng.uniform(0, span)) for _ in range(3))
                saved, submitted, reviewed = times
                history = [
                    (1, "created", "not_started", "{}", None, "", staff, opened),
                    (2, "saved", "draft", answer_set.answers_json, answer_set.score, "", admin, saved),
                ]
                submitted_at = submitted_by = reviewed_at = reviewed_by = None
                updated_at, updated_by = saved, admin
                if status != "draft":
                    history.append(
                        (
                            3,
                            "submitted",
                            "submitted",
                            answer_set.answers_json,
                            answer_set.score,
                            "",
                            admin,
                            submitted,
                        )
                    )
                    submitted_at, submitted_by, updated_at = submitted, admin, submitted
                if status in ("returned", "accepted"):
                    event = "returned" if status == "returned" else "accepted"
                    note = rng.choice(REVIEW_REMARKS) if status == "returned" else ""
                    history.append(
                        (4, event, status, answer_set.answers_json, answer_set.score, note, staff, reviewed)
                    )
                    reviewed_at, reviewed_by, updated_at, updated_by = reviewed, staff, reviewed, staff
                    if status == "returned" and answer_set.answers:
                        for question in rng.sample(
                            sorted(answer_set.answers), k=min(2, len(answer_set.answers))
                        ):
                            comments.add(
                                (
                                    rid,
                                    question,
                                    rng.choice(REVIEW_REMARKS),
                                    3,
                                    staff,
                                    submitted + (reviewed - submitted) / 2,
                                )
                            )
                a = answer_set
                responses.add(
                    (rid, campaign.pk, sid, None, status, a.answers_json, len(history), a.answered,
                     a.required, a.score, a.grade, a.detail_json, updated_at,
                     updated_by, submitted_at, submitted_by, reviewed_at, reviewed_by)
                )  # fmt: skip
                for number, event, v_status, answers_json, score, note, by, at in history:
                    response_versions.add((rid, number, event, v_status, answers_json, score, note, by, at))
                for k, question in enumerate(answer_set.evidence):
                    path, size = documents[(rid + k) % len(documents)]
                    evidence.add(
                        (
                            rid,
                            question,
                            path,
                            f"{question}-evidence.pdf",
                            size,
                            "application/pdf",
                            admin,
                            saved,
                        )
                    )
        self.close(responses, response_versions, evidence, comments)

    def _dt(self, day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))

    def _evidence_documents(self) -> list[tuple[str, int]]:
        documents = []
        for k in range(EVIDENCE_FILES):
            data = f"%PDF-1.4\n% supplier evidence document {k + 1} (seed_scale)\n%%EOF\n".encode()
            name = f"survey-evidence/scale/evidence-{k + 1}.pdf"
            if not default_storage.exists(name):
                name = default_storage.save(name, ContentFile(data))
            documents.append((name, len(data)))
        return documents

    # -- products ---------------------------------------------------------------------------------
    def products(self) -> None:
        rng = self.rng
        o = self.o
        rules = rules_for_list(self.regulated_list)
        palette = _palette(rules, self.regulated_list, self.today)
        # How many products each supplier has: a long tail, some with none at all.
        weights = [0.0 if rng.random() < 0.05 else rng.lognormvariate(0, 1.0) for _ in self.supplier_ids]
        if not any(weights):
            weights[0] = 1.0
        per_supplier = _largest_remainder(weights, o.products)
        owners = [
            sid for sid, count in zip(self.supplier_ids, per_supplier, strict=True) for _ in range(count)
        ]
        # Which products fall short: more often at less mature suppliers; at least one of each kind.
        risk = sorted(range(len(owners)), key=lambda i: -rng.random() * (0.5 + 1 - self.maturity[owners[i]]))
        n_bad = max(1, round(o.products * 0.05)) if o.products >= 10 else 0
        n_gap = max(1, round(o.products * 0.10)) if o.products >= 10 else 0
        n_draft = round(o.products * 0.01)
        intents = ["compliant"] * len(owners)
        for i in risk[:n_bad]:
            intents[i] = "non_compliant"
        for i in risk[n_bad : n_bad + n_gap]:
            intents[i] = "incomplete"
        drafts = set(
            rng.sample(
                [i for i in range(len(owners)) if intents[i] == "compliant"],
                k=min(n_draft, intents.count("compliant")),
            )
        )
        # Substance entries per product: around the mean, exactly --substances in all.
        mean = o.substances / max(1, o.products)
        low = {"compliant": 1, "non_compliant": 2, "incomplete": 2}
        counts = [max(low[intent], round(mean * rng.lognormvariate(0, 0.45))) for intent in intents]
        diff = o.substances - sum(counts)
        while diff:
            i = rng.randrange(len(counts))
            if diff > 0:
                counts[i] += 1
                diff -= 1
            elif counts[i] > low[intents[i]]:
                counts[i] -= 1
                diff += 1
        variants = {"compliant": 3, "non_compliant": 2, "incomplete": 2}
        templates: dict[tuple[str, int, int], ProductTemplate] = {}
        chosen: list[ProductTemplate] = []
        for intent, count in zip(intents, counts, strict=True):
            key = (intent, count, rng.randrange(variants[intent]))
            template = templates.get(key)
            if template is None:
                template = templates[key] = make_product_template(key, o.seed, palette, rules, self.today)
            chosen.append(template)
        self.summary.product_templates = len(templates)
        # The known supplier: a busy one that has something of everything to show.
        by_supplier: dict[int, list[int]] = defaultdict(list)
        for i, sid in enumerate(owners):
            by_supplier[sid].append(i)
        mean_products = o.products / max(1, len(self.supplier_ids))
        active = set(self.active)
        self.known_supplier = min(
            by_supplier,
            key=lambda s: (
                s not in active,
                -len({chosen[i].result.verdict for i in by_supplier[s]}),
                abs(len(by_supplier[s]) - max(8, 3 * mean_products)),
                s,
            ),
        )
        self.summary.known_supplier_id = self.known_supplier
        self.memberships.add(
            (self.known_user_id, Role.SUPPLIER_ADMIN, self.known_supplier, None, self.at(1200))
        )
        self.close(self.memberships)

        product_sink = self.sink(
            Product,
            "id supplier_id part_number revision is_current status name version kind unit_type"
            " mass_mg declared_mass buyer_part_number destination_markets is_article effective_date"
            " versions compliance comment declaration_id warnings verdict verdict_list_id evaluated_at"
            " created_by_id created_at",
        )
        part_sink = self.sink(
            ProductPart,
            "id product_id parent_id position depth name identifier number_of_units mass_mg"
            " declared_mass is_article comment location",
        )
        material_sink = self.sink(
            Material,
            "id product_id part_id position name code material_class use_code is_packaging is_article"
            " mass_mg declared_mass comment location",
        )
        entry_sink = self.sink(
            SubstanceEntry,
            "product_id material_id part_id position identifier cas name mass_percent mass_mg"
            " product_mass_mg intentional exemptions comment description_of_use location",
        )
        evaluation_sink = self.sink(
            ProductEvaluation,
            "product_id regulated_list_id as_of verdict findings warnings breached_groups"
            " exemptions_relied_on unknown_count declared_count evaluated_at",
        )
        first_product = self.ids.take(Product, len(owners))
        total_parts = sum(len(t.parts) for t in chosen)
        total_materials = sum(len(t.materials) for t in chosen)
        part_id = self.ids.take(ProductPart, total_parts)
        material_id = self.ids.take(Material, total_materials)
        list_id = self.regulated_list.pk
        # Uploaded declarations: one product per file for a share of the products (the rest came
        # through the editor or the API); the files are written after the rows, outside the loop.
        self.uploads: list[tuple[int, int, int, ProductTemplate, str, datetime.datetime]] = []
        self.products_by_supplier: dict[int, list[tuple[int, str, str, str, str, str]]] = defaultdict(list)
        verdicts: Counter = Counter()
        first_declaration = None
        sequence: Counter = Counter()
        progress_every = max(1, len(owners) // 10)
        for index, (sid, template) in enumerate(zip(owners, chosen, strict=True)):
            pid = first_product + index
            sequence[sid] += 1
            part_number = f"{template.tree.name.split()[0][:4].upper()}-{sid:05d}-{sequence[sid]:04d}"
            created = self.at(rng.uniform(1, 700))
            draft = index in drafts
            declaration_id = None
            if not draft and rng.random() < 0.05:
                if first_declaration is None:
                    first_declaration = self.ids.take(Declaration, o.products)  # an upper bound
                declaration_id = first_declaration + len(self.uploads)
                self.uploads.append((declaration_id, sid, pid, template, part_number, created))
            verdict = "" if draft else template.result.verdict
            verdicts[verdict or "draft"] += 1
            buyer_part = f"BP-{rng.randint(100000, 999999)}" if rng.random() < 0.5 else ""
            evaluated = None if draft else created + datetime.timedelta(minutes=2)
            status = "draft" if draft else "submitted"
            product_sink.add(
                (pid, sid, part_number, 1, True, status, template.tree.name, "A", "article", "each",
                 template.tree.mass_mg, "", buyer_part, _json(template.tree.destination_markets), None, "",
                 '{"compliance_entries":"0"}', "[]", "", declaration_id, template.warnings_json, verdict,
                 None if draft else list_id, evaluated, self.supplier_admin[sid], created)
            )  # fmt: skip
            if not draft:
                result = template.result
                evaluation_sink.add(
                    (pid, list_id, self.today, result.verdict, template.findings_json,
                     template.eval_warnings_json, template.breached_json, template.relied_json,
                     result.count("UNKNOWN"), result.count("DECLARED"), evaluated)
                )  # fmt: skip
                self.products_by_supplier[sid].append(
                    (
                        pid,
                        part_number,
                        template.tree.name,
                        result.verdict,
                        template.relied_json,
                        template.breached_json,
                    )
                )
            for local, parent, position, depth, name, identifier, units, mass, declared in template.parts:
                part_sink.add(
                    (
                        part_id + local,
                        pid,
                        None if parent is None else part_id + parent,
                        position,
                        depth,
                        name,
                        identifier,
                        units,
                        mass,
                        declared,
                        None,
                        "",
                        "",
                    )
                )
            for local, part_local, position, name, use_code, packaging, mass, declared in template.materials:
                material_sink.add(
                    (
                        material_id + local,
                        pid,
                        None if part_local is None else part_id + part_local,
                        position,
                        name,
                        "",
                        "",
                        use_code,
                        packaging,
                        None,
                        mass,
                        declared,
                        "",
                        "",
                    )
                )
            for (
                m_local,
                part_local,
                position,
                identifier,
                cas,
                name,
                mass,
                product_mass,
                intentional,
                exemptions,
            ) in template.entries:
                entry_sink.add(
                    (
                        pid,
                        material_id + m_local,
                        None if part_local is None else part_id + part_local,
                        position,
                        identifier,
                        cas,
                        name,
                        None,
                        mass,
                        product_mass,
                        intentional,
                        exemptions,
                        "",
                        "",
                        "",
                    )
                )
            part_id += len(template.parts)
            material_id += len(template.materials)
            if (index + 1) % progress_every == 0:
                self.log(f"  products: {index + 1:,} of {len(owners):,}")
        self.summary.verdicts = dict(verdicts)
        self.close(product_sink, part_sink, material_sink, entry_sink, evaluation_sink)
        self.palette = palette
        self.rules = rules
        self.chosen_templates = templates
        # In the products' transaction: products point at their declarations (checked at commit).
        self.declarations()

    # -- declarations, certificates, the re-evaluation run ---------------------------------------
    def compliance(self) -> None:
        self.certificates()
        self.reevaluation()

    def declarations(self) -> None:
        rng = self.rng
        sink = self.sink(
            Declaration,
            "id supplier_id uploaded_by_id source file original_name sha256 size format status progress stage"
            " problems error_count warning_count product_count substance_count attempts created_at started_at"
            " finished_at",
        )
        for did, sid, _product_id, template, part_number, created in self.uploads:
            product = _renamed(template.tree, part_number)
            data = json.dumps(json_tree.dump(product), ensure_ascii=False, indent=1).encode()
            sha = hashlib.sha256(data).hexdigest()
            name = default_storage.save(f"declarations/{sid}/{sha}", ContentFile(data))
            warnings = len(json.loads(template.warnings_json))
            minutes = datetime.timedelta(minutes=1)
            sink.add(
                (did, sid, self.supplier_admin[sid], "upload", name, f"{part_number}.json", sha, len(data),
                 json_tree.FORMAT_KEY, "stored", 100, "", template.warnings_json, 0, warnings, 1,
                 template.substances, 1, created - 3 * minutes, created - 2 * minutes, created)
            )  # fmt: skip
        next_id = (self.uploads[-1][0] + 1) if self.uploads else self.ids.take(Declaration, 0)
        # Rejected uploads (the real reader and validator judged them) and uploads waiting for a worker.
        rejected = self._rejected_documents()
        compliant = [t for t in self.chosen_templates.values() if t.result.verdict == "compliant"]
        for sid in self.supplier_ids:
            roll = rng.random()
            if roll < 0.03 and rejected:
                data, problems, original = rng.choice(rejected)
                sha = hashlib.sha256(data).hexdigest()
                errors = sum(p["severity"] == ERROR for p in problems)
                created = self.at(rng.uniform(0.5, 120))
                # A rejected file keeps its report, not its bytes (declaration_process deletes them).
                seconds = datetime.timedelta(seconds=1)
                sink.add(
                    (next_id, sid, self.supplier_admin[sid], "upload", "", original, sha, len(data),
                     json_tree.FORMAT_KEY, "rejected", 100, "", _json(problems), errors,
                     len(problems) - errors, 1, 0, 1, created, created + 20 * seconds, created + 40 * seconds)
                )  # fmt: skip
                next_id += 1
            elif roll < 0.05 and compliant:
                template = rng.choice(compliant)
                part_number = f"NEW-{sid:05d}-{rng.randint(1, 9999):04d}"
                data = json.dumps(
                    json_tree.dump(_renamed(template.tree, part_number)), ensure_ascii=False, indent=1
                ).encode()
                sha = hashlib.sha256(data).hexdigest()
                name = default_storage.save(f"declarations/{sid}/{sha}", ContentFile(data))
                created = self.at(rng.uniform(0.01, 0.2))
                sink.add(
                    (next_id, sid, self.supplier_admin[sid], "upload", name, f"{part_number}.json", sha,
                     len(data), "", "queued", 0, "", "[]", 0, 0, 0, 0, 0, created, None, None)
                )  # fmt: skip
                next_id += 1
        self.ids.next[Declaration] = max(self.ids.next.get(Declaration, 1), next_id)
        self.close(sink)

    def _rejected_documents(self) -> list[tuple[bytes, list[dict], str]]:
        """Broken uploads: a mass in an unknown unit, a CAS with a wrong check digit, a negative mass."""
        documents = []
        template = next(iter(self.chosen_templates.values()))
        for k, breakage in enumerate(("unit", "check_digit", "negative")):
            document = json_tree.dump(_renamed(template.tree, f"BROKEN-{k + 1}"))
            material = _first_material(document["product"])
            if material is None:
                continue
            if breakage == "unit":
                material["mass"] = {"value": "12", "unit": "pounds"}
            elif breakage == "check_digit":
                cas = material["substances"][0]["cas"]
                digits = cas.rsplit("-", 1)
                material["substances"][0]["cas"] = f"{digits[0]}-{(int(digits[1]) + 1) % 10}"
            else:
                material["substances"][0]["mass"] = {"value": "-5", "unit": "mg"}
            data = json.dumps(document, ensure_ascii=False, indent=1).encode()
            name = f"BROKEN-{k + 1}.json"
            result = read_upload(data, name=name)
            problems = result.problems + validate(result.products)
            if any(p.severity == ERROR for p in problems):
                documents.append((data, [p.as_dict() for p in problems], name))
        return documents

    def certificates(self) -> None:
        from compliance.certificate_services import _revocation_reason

        rng = self.rng
        certificates = self.sink(
            Certificate,
            "id number supplier_id status language regulated_list_id issued_on valid_until"
            " verification_code requested_by_id requested_at signer_name signer_title signed_by_id"
            " signed_at signed_ip signed_user_agent pdf issued_at render_attempts render_started_at"
            " render_error revoked_at revoked_reason",
        )
        lines = self.sink(
            CertificateProduct, "certificate_id product_id part_number name revision exemptions"
        )
        self.revoked_products: list[tuple[int, int]] = []
        self.pdf_candidates: list[int] = []
        validity = 365
        for sid in self.supplier_ids:
            products = self.products_by_supplier.get(sid, [])
            good = [p for p in products if p[3] == "compliant"]
            bad = [p for p in products if p[3] == "non_compliant"]
            known = sid == self.known_supplier
            if not good or (not known and rng.random() > 0.35):
                continue
            for _ in range(3 if known else rng.choice((1, 1, 2))):
                cid = self.ids.take(Certificate)
                listed = rng.sample(good, k=min(len(good), rng.randint(1, 5)))
                roll = rng.random()
                status = "issued"
                revoked = None
                if bad and roll < 0.08:
                    status, revoked = "revoked", rng.choice(bad)
                    listed = [revoked, *listed[:2]]
                elif roll < 0.10:
                    status = "requested"
                elif roll < 0.11:
                    status = "failed"
                days_ago = rng.uniform(1, 430)
                issued_on = self.today - datetime.timedelta(days=int(days_ago))
                requested = self.at(days_ago + 0.1)
                signed = status != "requested"
                admin = self.supplier_admin[sid]
                language = self.supplier_language[sid]
                reason = ""
                if revoked is not None:
                    reason = _revocation_reason([_unsaved_product(revoked, self.regulated_list)], {})
                    self.revoked_products.append((cid, revoked[0]))
                issued = status in ("issued", "revoked")
                number = f"NIG-{issued_on.year if signed else self.today.year}-{cid:06d}"
                code = base64.b32encode(rng.randbytes(20)).decode("ascii")
                minute = datetime.timedelta(minutes=1)
                if signed:
                    valid_until = issued_on + datetime.timedelta(days=validity)
                    signer = (f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", "Quality Manager", admin)
                    signature = (
                        requested + 5 * minute,
                        f"192.0.2.{rng.randint(1, 254)}",
                        "Mozilla/5.0 (seed)",
                    )
                else:
                    valid_until, signer, signature = None, ("", "", None), (None, None, "")
                error = "OSError: [Errno 28] No space left on device" if status == "failed" else ""
                revoked_at = self.at(rng.uniform(0, min(days_ago, 30))) if revoked is not None else None
                certificates.add(
                    (cid, number, sid, status, language, self.regulated_list.pk,
                     issued_on if signed else None, valid_until, code, admin, requested, *signer, *signature,
                     "", requested + 6 * minute if issued else None, 1 if signed else 0, None, error,
                     revoked_at, reason)
                )  # fmt: skip
                for product_id, part_number, name, _verdict, relied_json, _breached in dict.fromkeys(listed):
                    lines.add((cid, product_id, part_number, name, 1, relied_json))
                if known and status == "issued" and (self.today - issued_on).days < validity:
                    self.pdf_candidates.append(cid)
        self.close(certificates, lines)

    def reevaluation(self) -> None:
        """The run that judged every product when the active list was activated: the verdicts that are
        not compliant now were compliant before (the story the revoked certificates tell)."""
        submitted = sum(len(v) for v in self.products_by_supplier.values())
        run = ReevaluationRun.objects.create(
            regulated_list=self.regulated_list,
            previous_list=None,
            status=ReevaluationRun.Status.DONE,
            total=submitted,
            done=submitted,
            batches_total=max(1, math.ceil(submitted / 200)),
            batches_done=max(1, math.ceil(submitted / 200)),
            completed_batches=list(range(max(1, math.ceil(submitted / 200)))),
            started_by_id=self.staff_id,
            finished_at=self.at(3),
            notified_at=self.at(3),
        )
        changes = self.sink(
            VerdictChange, "run_id product_id supplier_id old_verdict new_verdict old_breached new_breached"
        )
        changed = 0
        for sid, products in self.products_by_supplier.items():
            for pid, _pn, _name, verdict, _relied, breached in products:
                if verdict != "compliant" and self.rng.random() < 0.6:
                    changes.add((run.pk, pid, sid, "compliant", verdict, "[]", breached))
                    changed += 1
        ReevaluationRun.objects.filter(pk=run.pk).update(changed=changed)
        self.close(changes)

    # -- the end ----------------------------------------------------------------------------------
    def finish(self) -> None:
        self.ids.reset_sequences()
        if connection.vendor == "postgresql":
            # VACUUM as well as ANALYZE: the visibility map lets index-only scans work at once, and
            # autovacuum will not start on a million fresh rows in the middle of a benchmark.
            quote = connection.ops.quote_name
            tables = sorted({*self.summary.counts, Campaign._meta.db_table, ReevaluationRun._meta.db_table})
            # VACUUM cannot run in a transaction (a caller's, e.g. a test's): ANALYZE alone then.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"{command} {quote(table)}")

    def render_pdfs(self) -> None:
        """Issued certificates of the known supplier get their PDF from the real renderer."""
        from compliance.certificate_services import certificate_render

        for cid in self.pdf_candidates[: self.o.pdfs]:
            Certificate.objects.filter(pk=cid).update(
                status=Certificate.Status.RENDERING, render_started_at=None
            )
            outcome = certificate_render(cid)
            if outcome != Certificate.Status.ISSUED:
                # The data set is complete without it; the certificate stays as the renderer left it.
                self.log(f"  certificate {cid}: rendering ended '{outcome}' (see the log above)")


def _renamed(product: tree.Product, part_number: str) -> tree.Product:
    return tree.Product(**{**product.__dict__, "part_number": part_number})


def _first_material(product: dict[str, Any]) -> dict[str, Any] | None:
    for part in product.get("parts", []):
        for material in part.get("materials", []):
            if material.get("substances"):
                return material
    return None


def _unsaved_product(row: tuple[int, str, str, str, str, str], regulated_list: RegulatedList) -> Product:
    pid, part_number, name, verdict, _relied, _breached = row
    return Product(
        pk=pid, part_number=part_number, name=name, revision=1, verdict=verdict, verdict_list=regulated_list
    )


def seed_scale(options: ScaleOptions, log: Log = print) -> ScaleSummary:
    """Build the data set (see the module docstring); the database must hold no earlier scale data."""
    if options.products < 1 or options.suppliers < 1:
        raise ScaleDataError("there must be at least one supplier and one product")
    if options.substances < 2 * options.products:
        raise ScaleDataError("give at least two substance entries per product")
    if has_scale_data():
        raise ScaleDataError("scale data exists already: run with --reset to replace it")
    return Generator(options, log).run()
