"""The bake matrix: render every supported combination and run the rendered repo's own checks.

Each bake asserts the exact file set, that nothing is left unrendered, that every Python,
TOML, YAML and JSON file parses, that ruff is clean, and that the rendered ``make test`` passes.
Bakes of one Glue version share one venv (``build/bake-venvs/glue-<version>``), so they are
in one xdist group (a lane, ``LANES``) and never run at once: run with ``-n 2 --dist loadgroup`` (``make test`` does).
They install from the uv.lock the template ships for their Glue version, as is: ``UV_LOCKED=1`` makes a stale
lock fail the bake instead of being re-resolved (``tests/test_locks.py`` says the same, faster).
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from bakery import (
    BAKE_VENVS,
    JOB_PATTERNS,
    ROOT,
    TOOLS_BIN,
    clean_env,
    default_answers,
    load_module,
    render,
    run_command,
    template_config,
)

pre_gen = load_module(ROOT / "hooks" / "pre_gen_project.py")
KIT = "src/{package}/kit"
# The job's Terraform (infra/) and its structural tests: in every render.
INFRA = [
    "infra/catalog.tf",
    "infra/envs/dev.s3.tfbackend",
    "infra/envs/dev.tfvars",
    "infra/envs/prod.s3.tfbackend",
    "infra/envs/prod.tfvars",
    "infra/glue.tf",
    "infra/iam.tf",
    "infra/kms.tf",
    "infra/locals.tf",
    "infra/outputs.tf",
    "infra/storage.tf",
    "infra/variables.tf",
    "infra/versions.tf",
    "tests/infra/__init__.py",
    "tests/infra/test_terraform.py",
]
# Files every render has. {package} is the job name.
BASE = [
    ".cookiecutter.json",
    ".gitignore",
    ".pre-commit-config.yaml",
    ".python-version",
    "Makefile",
    "README.md",
    "pyproject.toml",
    "scripts/bootstrap.sh",
    "src/{package}/__init__.py",
    "src/{package}/domain/__init__.py",
    "src/{package}/integration/__init__.py",
    "src/{package}/jobs/__init__.py",
    "tests/conftest.py",
    "tests/e2e_local/__init__.py",
    "tests/e2e_local/conftest.py",
    "tests/e2e_local/test_cluster_run.py",
    "tests/integration/__init__.py",
    "tests/integration/conftest.py",
    "tests/integration/job_under_test.py",
    "tests/integration/test_sample_data.py",
    "tests/unit/__init__.py",
    "uv.lock",
    *INFRA,
]
# The template's kit and its tests: in every render.
KIT_FILES = [
    f"{KIT}/{path}"
    for path in [
        "README.md",
        "__init__.py",
        "args.py",
        "declarations.py",
        "deploy.py",
        "handler.py",
        "labels.py",
        "results.py",
        "steps.py",
        "bench/__init__.py",
        "bench/data.py",
        "bench/harness.py",
        "bench/profile.py",
        "bench/run.py",
        "cli/__init__.py",
        "cli/catalog_tables.py",
        "cli/package.py",
        "cli/schema_check.py",
        "contracts/__init__.py",
        "contracts/catalog.py",
        "contracts/compliance.py",
        "contracts/drift.py",
        "contracts/formats/__init__.py",
        "contracts/formats/avro.py",
        "contracts/formats/common.py",
        "contracts/formats/glue_table.py",
        "contracts/formats/hive_types.py",
        "contracts/formats/spark_json.py",
        "contracts/rules.py",
        "contracts/terraform.py",
        "io/__init__.py",
        "io/glue_catalog.py",
        "io/hadoop_fs.py",
        "io/publish.py",
        "io/quarantine.py",
        "io/readers.py",
        "io/s3.py",
        "io/sample_data.py",
        "io/writers.py",
        "patterns/__init__.py",
        "runtime/__init__.py",
        "runtime/base.py",
        "runtime/glue.py",
        "runtime/run.py",
        "runtime/spark.py",
        "testing/__init__.py",
        "testing/aws_e2e.py",
        "testing/cluster.py",
        "testing/data.py",
        "testing/declared.py",
        "testing/fixtures.py",
        "testing/frames.py",
        "testing/glue_venv.py",
        "testing/local_e2e.py",
        "testing/quarantine.py",
        "testing/s3_tables.py",
        "testing/s3a.py",
        "testing/terraform.py",
    ]
] + [
    f"tests/kit/{path}"
    for path in [
        "__init__.py",
        "test_aws_e2e.py",
        "test_bad_data.py",
        "test_bench_data.py",
        "test_bench_harness.py",
        "test_catalog_tables.py",
        "test_compliance.py",
        "test_config.py",
        "test_contract_formats.py",
        "test_every_check_applied.py",
        "test_file_layout.py",
        "test_glue_runtime.py",
        "test_killed_writes.py",
        "test_no_network.py",
        "test_package.py",
        "test_partial_publish.py",
        "test_paths.py",
        "test_publish.py",
        "test_reading_sources.py",
        "test_schema_check.py",
        "test_schema_drift.py",
        "test_value_rules.py",
    ]
]
# The E2E in AWS (make e2e): one job-agnostic module, in every render.
AWS_E2E = ["tests/e2e/__init__.py", "tests/e2e/conftest.py", "tests/e2e/test_job_in_aws.py"]
# include_example=true: the classicmodels star schema.
EXAMPLE = [
    "bench/star_schema.py",
    "bench/star_schema_reference.py",
    "glue_scripts/star_schema.py",
    "sample_data/classicmodels/customers/customers.csv",
    "sample_data/classicmodels/employees/employees.csv",
    "sample_data/classicmodels/offices/offices.csv",
    "sample_data/classicmodels/orderdetails/orderdetails.csv",
    "sample_data/classicmodels/orders/orders.csv",
    "sample_data/classicmodels/payments/payments.csv",
    "sample_data/classicmodels/productlines/productlines.csv",
    "sample_data/classicmodels/products/products.csv",
    "scripts/generate_sample_data.py",
    "src/{package}/domain/star_schema.py",
    "src/{package}/integration/classicmodels.py",
    "src/{package}/jobs/star_schema.json",
    "src/{package}/jobs/star_schema.py",
    "tests/builders.py",
    "tests/integration/star_schema_under_test.py",
    "tests/integration/test_star_schema_job.py",
    "tests/unit/test_star_schema.py",
]
# include_example=false: one input, one output.
MINIMAL = [
    "bench/minimal.py",
    "bench/minimal_reference.py",
    "glue_scripts/minimal.py",
    "sample_data/records/records.csv",
    "src/{package}/domain/records.py",
    "src/{package}/integration/records.py",
    "src/{package}/jobs/minimal.json",
    "src/{package}/jobs/minimal.py",
    "tests/integration/minimal_under_test.py",
    "tests/integration/test_minimal_job.py",
    "tests/unit/test_records.py",
]
# One contract per dataset, in the chosen format only.
EXAMPLE_DATASETS = [
    "customers",
    "employees",
    "offices",
    "orders",
    "orderdetails",
    "payments",
    "products",
    "productlines",
    "fact_orders",
    "dim_customers",
    "dim_products",
    "dim_locations",
]
MINIMAL_DATASETS = ["records", "clean_records"]
# pattern_point_in_time (the example only): a snapshot table of each dimension.
EXAMPLE_SNAPSHOTS = ["dim_customers_snapshots", "dim_products_snapshots", "dim_locations_snapshots"]
# pattern_cdc: the change records and the state of the job's source table.
CDC_DATASETS = {True: ["customers_changes", "customers_state"], False: ["records_changes", "records_state"]}
CDC = [
    f"{KIT}/patterns/cdc.py",
    "tests/kit/test_cdc.py",
    "tests/integration/test_cdc_job.py",
    "tests/e2e_local/test_cdc_on_s3.py",
]
CDC_SAMPLE = {
    True: [
        "sample_data/classicmodels/customers_changes/20240301-090000000.csv",
        "sample_data/classicmodels/customers_changes/20240301-100000000.csv",
        "sample_data/classicmodels/customers_changes/20240302-080000000.csv",
    ],
    False: ["sample_data/records_changes/20240303-090000000.csv", "sample_data/records_changes/20240304-080000000.csv"],
}
CONTRACT_SUFFIXES = {"pyspark": ".spark.json", "avro": ".avsc", "glue": ".glue.json"}
GITHUB_ACTIONS = [".github/workflows/ci.yml"]
OUTPUT_FILE_COUNT = [
    f"{KIT}/patterns/output_file_count.py",
    "tests/kit/test_output_file_count.py",
    "tests/integration/test_output_file_count_job.py",
    "tests/e2e_local/test_output_file_count_on_s3.py",
]
SINGLE_FILE_OUTPUT = [
    f"{KIT}/patterns/single_file_output.py",
    "tests/kit/test_single_file_output.py",
    "tests/kit/test_single_file_output_s3.py",
    "tests/integration/test_single_file_output_job.py",
    "tests/e2e_local/test_single_file_output_on_s3.py",
]
REPROCESSING = [
    f"{KIT}/patterns/reprocessing.py",
    "tests/kit/test_reprocessing.py",
    "tests/integration/test_reprocessing_job.py",
    "tests/e2e_local/test_reprocessing_on_s3.py",
]
POINT_IN_TIME = [
    f"{KIT}/patterns/point_in_time.py",
    "tests/kit/test_point_in_time.py",
    "tests/integration/test_point_in_time_job.py",
    "tests/e2e_local/test_point_in_time_on_s3.py",
]
BOOKMARKS = [
    f"{KIT}/patterns/bookmarks.py",
    f"{KIT}/cli/bookmarks.py",
    "tests/kit/test_bookmarks.py",
    "tests/integration/test_bookmarks_job.py",
    "tests/e2e_local/test_bookmarks_on_s3.py",
]
RECOVERY = [
    f"{KIT}/patterns/recovery.py",
    "infra/recovery.tf",
    "tests/kit/test_recovery.py",
    "tests/integration/test_recovery_job.py",
]
# pattern_alerting: EventBridge rules, their SNS topic and its key, and their tests.
ALERTING = [
    "infra/alerting.tf",
    "infra/events/job_delayed.json.tftpl",
    "infra/events/job_failed.json.tftpl",
    "tests/infra/test_alerting.py",
]
# Kit tests whose outcome no answer changes but the Glue version (no job, pattern or schema format in them):
# the slowest ones run once per Glue version, not once per full bake.
SHARED_KIT_TESTS = [
    "tests/kit/test_bench_data.py",
    "tests/kit/test_bench_harness.py",
    "tests/kit/test_every_check_applied.py",
    "tests/kit/test_file_layout.py",
    "tests/kit/test_killed_writes.py",
    "tests/kit/test_partial_publish.py",
    "tests/kit/test_publish.py",
    "tests/kit/test_reading_sources.py",
    "tests/kit/test_bad_data.py",
    "tests/kit/test_value_rules.py",
]
# Glue 4.0 has no awsglue interface on PyPI to compare with.
GLUE_PARITY = ["tests/kit/test_config_glue_parity.py"]


@dataclass(frozen=True)
class Bake:
    id: str
    answers: dict[str, Any] = field(default_factory=dict)
    # full: the render's own make lint and make test. Light: make lint (ruff, strict mypy, layer contracts,
    # terraform fmt) and tests/infra, for options that only add or remove files whose behaviour a full bake tests.
    full: bool = True
    # A second full bake of a Glue version leaves out the kit modules that no option changes (SHARED_KIT_TESTS):
    # the first full bake of that version runs them, in the same venv.
    shared_kit_tests: bool = True
    # The render's make e2e-local: the packaged job on a local Spark cluster over moto S3 (once per Glue version).
    e2e_local: bool = False
    # Only the E2E's first run and its bad-argument run, not the rerun and the bad-input-file run: for a Glue
    # version whose Spark and S3A jars another version's full E2E already runs (5.0 shares 5.1's Spark 3.5 and
    # Hadoop 3.3 jars) or whose rerun rules its own full bake tests on Spark (4.0); two job runs fewer each.
    e2e_first_run_only: bool = False
    # The render's make infra-check: make package, then checkov over infra/ (the generated catalog tables
    # included), offline. terraform fmt runs in every bake's make lint.
    infra_check: bool = False

    @property
    def full_answers(self) -> dict[str, Any]:
        return {**default_answers(), **self.answers}

    @property
    def glue_version(self) -> str:
        return str(self.full_answers["glue_version"])

    def expected_files(self) -> set[str]:
        answers = self.full_answers
        files = [*BASE, *KIT_FILES, *AWS_E2E]
        files += EXAMPLE if answers["include_example"] else MINIMAL
        suffix = CONTRACT_SUFFIXES[answers["schema_format"]]
        datasets = EXAMPLE_DATASETS if answers["include_example"] else MINIMAL_DATASETS
        if answers["pattern_point_in_time"]:
            datasets = datasets + EXAMPLE_SNAPSHOTS
        if answers["pattern_cdc"]:
            datasets = datasets + CDC_DATASETS[bool(answers["include_example"])]
            files += [*CDC, *CDC_SAMPLE[bool(answers["include_example"])]]
        files += [f"src/{{package}}/schemas/{dataset}{suffix}" for dataset in datasets]
        if answers["ci"] == "github_actions":
            files += GITHUB_ACTIONS
        if answers["pattern_output_file_count"]:
            files += OUTPUT_FILE_COUNT
        if answers["pattern_single_file_output"]:
            files += SINGLE_FILE_OUTPUT
        if answers["pattern_reprocessing"]:
            files += REPROCESSING
        if answers["pattern_point_in_time"]:
            files += POINT_IN_TIME
        if answers["pattern_bookmarks"]:
            files += BOOKMARKS
        if answers["pattern_recovery"]:
            files += RECOVERY
        if answers["pattern_alerting"]:
            files += ALERTING
        if answers["glue_version"] != "4.0":
            files += GLUE_PARITY
        return {path.format(package=answers["job_name"]) for path in files}


# The minimal job takes every job pattern but point_in_time, which snapshots the example's dimensions.
MINIMAL_JOB_PATTERNS = {**JOB_PATTERNS, "pattern_point_in_time": False}


def every_job_pattern(answers: dict[str, Any]) -> bool:
    """Whether ``answers`` turn on every pattern their job takes (the minimal job takes all but point_in_time)."""
    wanted = JOB_PATTERNS if answers["include_example"] else MINIMAL_JOB_PATTERNS
    return all(answers[key] == value for key, value in wanted.items())


# Every supported combination. Full bakes run the render's whole suite where options interact: every Glue
# version, the example with every pattern (on Spark 4) and the minimal job with every pattern (on Spark 3.3 and on
# 5.0's pins). Options that only add or remove whole files are baked alone, light: the file set, parsing, ruff,
# strict mypy, the layer contracts, terraform fmt and tests/infra, while the full bakes run their tests. The three
# schema formats are proven to load as one contract by test_every_schema_format_describes_the_same_datasets, so
# their bakes are light too. One bake uses another job name, so a name hard-coded where the answer belongs shows.
BAKES = [
    Bake("defaults", e2e_local=True, infra_check=True),
    # Spark 4 (ANSI on) with the example and every pattern: the whole suite, every kit test, and the whole E2E,
    # each pattern's S3 assertions included. Patterns only add files, so on 5.1 they are baked one at a time, light.
    Bake("all-patterns@6.0", {**JOB_PATTERNS, "glue_version": "6.0"}, e2e_local=True),
    # Spark 3.3 and Python 3.10 with every pattern the minimal job takes: the whole suite (every kit test, each
    # pattern's kit and job tests) and the E2E's first run with each pattern's S3 assertions, so every pattern
    # runs on the cluster on two Glue versions. The example's own wiring of the patterns is declared in its job
    # module, through the same kit steps: its job tests and its whole E2E run on Spark 4, above.
    Bake(
        "minimal-job-all-patterns@4.0",
        {"include_example": False, **MINIMAL_JOB_PATTERNS, "glue_version": "4.0"},
        e2e_local=True,
        e2e_first_run_only=True,
    ),
    # Glue 5.0 has 5.1's Python and Spark line (3.11, Spark 3.5): the version-only kit tests run on 5.1, the
    # example's suite on 5.1 and 6.0, and 5.0's own pins (boto3 1.34, numpy 1) get the minimal job's full suite
    # and the E2E's first run.
    Bake("glue-5.0", {"glue_version": "5.0"}, full=False, e2e_local=True, e2e_first_run_only=True),
    # The minimal job's full suite, with every pattern (each pattern's job tests on a one-input job) and alerting off:
    # infra/ stands, and passes checkov, without the alerting pattern's files.
    Bake(
        "minimal-job-all-patterns-no-alerting@5.0",
        {"include_example": False, **MINIMAL_JOB_PATTERNS, "glue_version": "5.0", "pattern_alerting": False},
        shared_kit_tests=False,
        infra_check=True,
    ),
    # Each pattern alone, with the example on 5.1; those the minimal job wires differently, with it on 6.0 too
    # (in Spark 4's lane, which has room beside its all-patterns bake).
    Bake("output-file-count", {"pattern_output_file_count": True}, full=False),
    Bake("single-file-output", {"pattern_single_file_output": True}, full=False),
    Bake("reprocessing", {"pattern_reprocessing": True}, full=False),
    Bake("point-in-time", {"pattern_point_in_time": True}, full=False),
    Bake("cdc", {"pattern_cdc": True}, full=False),
    Bake("cdc-minimal@6.0", {"pattern_cdc": True, "include_example": False, "glue_version": "6.0"}, full=False),
    Bake("bookmarks", {"pattern_bookmarks": True}, full=False),
    Bake(
        "bookmarks-minimal@6.0",
        {"pattern_bookmarks": True, "include_example": False, "glue_version": "6.0"},
        full=False,
    ),
    Bake("recovery", {"pattern_recovery": True}, full=False),
    Bake(
        "recovery-minimal@6.0", {"pattern_recovery": True, "include_example": False, "glue_version": "6.0"}, full=False
    ),
    # The longest job name the hook allows (40): imports and lines still fit ruff's 120 columns.
    Bake("no-ci-longest-name", {"ci": "none", "job_name": "warehouse_orders_daily_snapshots_to_gold"}, full=False),
    # Each schema format alone, and each with the minimal job (pyspark's minimal bake is above).
    Bake("schema-avro", {"schema_format": "avro"}, full=False),
    Bake("schema-glue@6.0", {"schema_format": "glue", "glue_version": "6.0"}, full=False),
    Bake(
        "schema-avro-minimal@4.0",
        {"schema_format": "avro", "include_example": False, "glue_version": "4.0"},
        full=False,
    ),
    Bake(
        "schema-glue-minimal@5.0",
        {"schema_format": "glue", "include_example": False, "glue_version": "5.0"},
        full=False,
    ),
]

# Jinja left in a rendered file. `${{` is GitHub Actions' own expression syntax, not Jinja.
UNRENDERED = re.compile(r"(?<!\$)\{\{|\{%|\bcookiecutter\.(?:" + "|".join(default_answers()) + r"|_glue|__)")


# Two lanes, one per worker of `make test` (-n 2). A lane runs its tests one after another, so the bakes of one
# Glue version, which share a venv, never run at once. Lanes, not one group per version: xdist hands a worker
# another group whenever it has two tests or fewer left, so the small version groups could all go to the worker
# that is not holding 5.1's dozen. The lanes share them out by measured time instead: Spark 4's all-patterns bake
# (about 1,400 s on a busy 2-core machine, with three light bakes beside it) against 5.1's bakes (about 700 s),
# 4.0's and 5.0's (about 400 s each).
LANES = {"6.0": 1, "5.1": 2, "4.0": 2, "5.0": 2}


def xdist_group(glue_version: str) -> pytest.MarkDecorator:
    return pytest.mark.xdist_group(f"lane-{LANES[glue_version]}")


def shared_venv(glue_version: str) -> Path:
    return BAKE_VENVS / f"glue-{glue_version}"


def command_problems(command: list[str], cwd: Path, timeout: float = 300, **env: str) -> list[str]:
    """Run a command; a failure is one problem holding the tail of its output."""
    failure = run_command(command, cwd, timeout, **env)
    return [failure] if failure else []


def make_problems(
    project: Path, target: str, venv: Path, *pytest_args: str, variables: dict[str, str] | None = None
) -> list[str]:
    """The rendered repo's own target, in the Glue version's shared venv (the first bake creates it).

    mypy's cache is shared by the bakes of one Glue version too: it re-checks what differs, so it stays correct.
    ``pytest_args`` go to the target's pytest (``make test PYTEST_ARGS=...``); ``variables`` to make.
    """
    settings = [f"{name}={value}" for name, value in (variables or {}).items()]
    return command_problems(
        ["make", target, *settings, *([f"PYTEST_ARGS={' '.join(pytest_args)}"] if pytest_args else [])],
        cwd=project,
        timeout=1200,
        UV_PROJECT_ENVIRONMENT=str(venv),
        MYPY_CACHE_DIR=str(venv.with_name(venv.name + "-mypy-cache")),
        # The shipped lock, unchanged: uv sync fails rather than re-locking when it no longer fits pyproject.toml.
        UV_LOCKED="1",
    )


def render_with_venv(tmp_path: Path, cookiecutter_config: Path, glue_version: str = "5.1") -> tuple[Path, Path]:
    """A default render whose dependencies are installed in the Glue version's shared venv."""
    project = render(tmp_path, cookiecutter_config, glue_version=glue_version)
    venv = shared_venv(glue_version)
    fail_on(make_problems(project, "setup", venv))
    return project, venv


def rendered_files(project: Path) -> set[str]:
    return {str(path.relative_to(project)) for path in project.rglob("*") if path.is_file() or path.is_symlink()}


def file_set_problems(project: Path, expected: set[str]) -> list[str]:
    files = rendered_files(project)
    if files == expected:
        return []
    return [f"file set differs. unexpected: {sorted(files - expected)}; missing: {sorted(expected - files)}"]


def unrendered_problems(project: Path) -> list[str]:
    problems = []
    for relative in sorted(rendered_files(project)):
        try:
            text = (project / relative).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary: copied without rendering
        problems += [
            f"unrendered Jinja: {relative}:{number}: {line.strip()}"
            for number, line in enumerate(text.splitlines(), 1)
            if UNRENDERED.search(line)
        ]
    return problems


PARSERS = {
    ".py": ast.parse,
    ".toml": tomllib.loads,
    ".yml": yaml.safe_load,
    ".yaml": yaml.safe_load,
    ".json": json.loads,
}


def parse_problems(project: Path) -> list[str]:
    problems = []
    for path in sorted(project.rglob("*")):
        parser = PARSERS.get(path.suffix)
        if parser is None:
            continue
        try:
            parser(path.read_text())
        except (SyntaxError, tomllib.TOMLDecodeError, yaml.YAMLError, ValueError) as error:
            problems.append(f"does not parse: {path.relative_to(project)}: {error}")
    return problems


def ruff_problems(project: Path) -> list[str]:
    # The template venv's ruff (same pin as the rendered repo's), configured by the rendered pyproject.toml.
    ruff = str(TOOLS_BIN / "ruff")
    return command_problems([ruff, "check", "--no-cache", "."], project) + command_problems(
        [ruff, "format", "--check", "--no-cache", "."], project
    )


def fail_on(problems: list[str]) -> None:
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.mark.bake
@pytest.mark.parametrize(
    "bake", [pytest.param(bake, id=bake.id, marks=xdist_group(bake.glue_version)) for bake in BAKES]
)
def test_bake(bake: Bake, tmp_path: Path, cookiecutter_config: Path) -> None:
    project = render(tmp_path, cookiecutter_config, **bake.answers)

    # Every check runs, so one bake reports everything that is wrong with it.
    problems = file_set_problems(project, bake.expected_files())
    problems += unrendered_problems(project)
    problems += parse_problems(project)
    problems += ruff_problems(project)
    # lint: ruff, strict mypy over src and tests, and the layer contracts; then the render's whole suite.
    problems += make_problems(project, "lint", shared_venv(bake.glue_version))
    if not bake.full:
        # infra/'s structural tests (no Spark session): every bake's infra/ is read against its own job and contracts.
        problems += command_problems(
            [str(shared_venv(bake.glue_version) / "bin" / "pytest"), "-q", "tests/infra"], project
        )
    if bake.full:
        skipped = [] if bake.shared_kit_tests else [f"--ignore={path}" for path in SHARED_KIT_TESTS]
        problems += make_problems(project, "test", shared_venv(bake.glue_version), *skipped)
    if bake.e2e_local:
        # The Glue-like venv (Glue's libraries plus the artifact) is shared by the version's bakes too.
        runtime = {"GLUE_VENV": str(shared_venv(bake.glue_version).with_name(f"glue-{bake.glue_version}-runtime"))}
        # The E2E's tests that need only the first run (the rerun's and the bad file's tests name them).
        subset = ["-k", "'not rerun and not bad_input_file'"] if bake.e2e_first_run_only else []
        problems += make_problems(project, "e2e-local", shared_venv(bake.glue_version), *subset, variables=runtime)
    if bake.infra_check:
        problems += make_problems(project, "infra-check", shared_venv(bake.glue_version))
    fail_on(problems)


def test_matrix_covers_every_choice() -> None:
    config_choices = {key: value for key, value in default_answers().items() if isinstance(value, bool)}
    baked = [bake.full_answers for bake in BAKES]
    for option in config_choices:
        assert {answers[option] for answers in baked} == {True, False}, option
    for option in ("glue_version", "ci", "schema_format"):
        assert {answers[option] for answers in baked} == set(template_config()[option]), option
    # Every Glue version, and the example and the minimal job with every pattern, get the full suite.
    full = [bake.full_answers for bake in BAKES if bake.full]
    assert {answers["glue_version"] for answers in full} == set(template_config()["glue_version"])
    # Every Glue version but 5.0 has a full bake that runs every kit test, the shared ones included; each one left out
    # elsewhere is a kit test of every render.
    assert set(SHARED_KIT_TESTS) <= set(KIT_FILES)
    complete = {bake.glue_version for bake in BAKES if bake.full and bake.shared_kit_tests}
    # ...except Glue 5.0, whose Python and Spark line (3.11, 3.5) are 5.1's: every Spark line runs them.
    glue = template_config()["_glue"]
    assert complete == set(template_config()["glue_version"]) - {"5.0"}
    assert (glue["5.0"]["python"], glue["5.0"]["spark"][:3]) == (glue["5.1"]["python"], glue["5.1"]["spark"][:3])
    # Every Glue version's bakes run in one lane (a worker of its own, so its shared venv is never used twice at once).
    assert set(LANES) == set(template_config()["glue_version"])
    # The local cluster E2E runs on every Glue version.
    assert {bake.glue_version for bake in BAKES if bake.e2e_local} == set(template_config()["glue_version"])
    # ...and the whole of it (rerun, bad input file) on the default version and on Spark 4's Hadoop 3.4 S3A.
    whole = {bake.glue_version for bake in BAKES if bake.e2e_local and not bake.e2e_first_run_only}
    assert whole == {template_config()["glue_version"][0], "6.0"}
    # Every pattern's E2E module runs on the cluster, with every other pattern, on two Glue versions at least.
    with_every_pattern = {
        bake.glue_version for bake in BAKES if bake.e2e_local and every_job_pattern(bake.full_answers)
    }
    assert len(with_every_pattern) >= 2, with_every_pattern
    every_pattern = [answers for answers in full if every_job_pattern(answers)]
    assert {answers["include_example"] for answers in every_pattern} == {True, False}
    # Every bake is a combination the pre-gen hook accepts.
    for bake in BAKES:
        assert pre_gen.validate({**template_config(), **bake.full_answers}) == [], bake.id
    # checkov runs on infra/ with the alerting pattern's resources and without them.
    assert {bake.full_answers["pattern_alerting"] for bake in BAKES if bake.infra_check} == {True, False}
    # Every schema format is baked with the example on and off.
    assert {(answers["schema_format"], answers["include_example"]) for answers in baked} == {
        (schema_format, example) for schema_format in CONTRACT_SUFFIXES for example in (True, False)
    }


@pytest.mark.bake
@xdist_group("5.1")
def test_default_render_passes_lint_and_pre_commit(tmp_path: Path, cookiecutter_config: Path) -> None:
    project = render(tmp_path, cookiecutter_config)
    venv = shared_venv("5.1")
    fail_on(command_problems(["git", "init", "--quiet"], project))
    # The hooks call .venv/bin/...: point .venv at the shared venv, and keep the link out of git.
    (project / ".venv").symlink_to(venv, target_is_directory=True)
    with (project / ".git" / "info" / "exclude").open("a") as exclude:
        exclude.write(".venv\n")
    fail_on(command_problems(["git", "add", "--all"], project))

    problems = make_problems(project, "lint", venv)
    problems += make_problems(project, "pre-commit", venv)
    # Nothing the hooks could fix was left to fix: the tracked tree is untouched.
    problems += command_problems(["git", "diff", "--stat", "--exit-code"], project)
    fail_on(problems)


# (where, a line that breaks a layer rule, the contract import-linter must name)
LAYER_BREAKS = [
    ("domain/star_schema.py", "import boto3", "The domain is pure"),
    ("domain/star_schema.py", "from ..kit import args", "The domain is pure"),
    ("kit/io/writers.py", "from ...jobs import star_schema", "The kit never imports the team's code"),
    ("kit/contracts/drift.py", "from ..io import readers", "The contract engine does no IO"),
    ("integration/classicmodels.py", "from ..jobs import star_schema", "jobs -> integration -> domain"),
]


@pytest.mark.bake
@xdist_group("5.1")
def test_make_lint_fails_on_each_broken_layer_rule(tmp_path: Path, cookiecutter_config: Path) -> None:
    project, venv = render_with_venv(tmp_path, cookiecutter_config)
    package = project / "src" / project.name
    lint_imports = [str(venv / "bin" / "lint-imports"), "--no-cache"]
    fail_on(command_problems(lint_imports, project))
    for where, line, contract in LAYER_BREAKS:
        module = package / where
        original = module.read_text()
        module.write_text(f"{original}\n{line}  # noqa: E402, F401\n")
        result = subprocess.run(
            lint_imports, cwd=project, env=clean_env(COLUMNS="400"), capture_output=True, text=True, check=False
        )
        module.write_text(original)
        assert result.returncode == 1, (where, line, result.stdout[-2000:])
        broken = [text for text in result.stdout.splitlines() if text.endswith("BROKEN")]
        assert any(contract in text for text in broken), (line, broken)


# Loads every contract of a render; run by the render's own interpreter (pyspark types need no JVM).
DUMP_CONTRACTS = (
    "import json, sys\n"
    "from importlib import import_module\n"
    "contracts = import_module(sys.argv[1] + '.kit.declarations')\n"
    "print(json.dumps({name: contracts.load_contract(name).schema.jsonValue() for name in contracts.available()}))\n"
)


@pytest.mark.bake
@xdist_group("5.1")
@pytest.mark.parametrize("include_example", [True, False], ids=["example", "minimal"])
def test_every_schema_format_describes_the_same_datasets(
    include_example: bool, tmp_path: Path, cookiecutter_config: Path
) -> None:
    """The three formats' contract files are one contract each: same columns, types, nullability, comments, keys."""
    venv = shared_venv("5.1")
    loaded: dict[str, Any] = {}
    for schema_format in CONTRACT_SUFFIXES:
        project = render(
            tmp_path / schema_format, cookiecutter_config, schema_format=schema_format, include_example=include_example
        )
        fail_on(make_problems(project, "setup", venv))
        result = subprocess.run(
            [str(venv / "bin" / "python"), "-c", DUMP_CONTRACTS, project.name],
            cwd=project / "src",
            env=clean_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        loaded[schema_format] = json.loads(result.stdout)

    expected = set(EXAMPLE_DATASETS if include_example else MINIMAL_DATASETS)
    assert set(loaded["pyspark"]) == expected
    assert loaded["avro"] == loaded["pyspark"]
    assert loaded["glue"] == loaded["pyspark"]
