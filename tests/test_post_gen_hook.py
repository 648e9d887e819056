"""The post-gen hook's REMOVE_PATHS table names real template paths, and picks the right ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bakery import JOB_PATTERNS, ROOT, TEMPLATE_DIR, default_answers, load_module, template_config

hook = load_module(ROOT / "hooks" / "post_gen_project.py")

UNRENDERED_PACKAGE = "{{cookiecutter.job_name}}"


def test_every_table_path_exists_in_the_template() -> None:
    table_paths = [path.format(package=UNRENDERED_PACKAGE) for _, _, paths in hook.REMOVE_PATHS for path in paths]
    missing = [path for path in table_paths if not any(TEMPLATE_DIR.glob(path))]
    assert missing == []


def template_tree(root: Path, package: str) -> None:
    """The template's files, empty, as cookiecutter lays them out before the hook runs (the package renamed)."""
    for path in TEMPLATE_DIR.rglob("*"):
        if path.is_file():
            target = root / str(path.relative_to(TEMPLATE_DIR)).replace(UNRENDERED_PACKAGE, package)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("")


@pytest.mark.parametrize("schema_format", ["pyspark", "avro", "glue"])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"include_example": False},
        JOB_PATTERNS,
        {**JOB_PATTERNS, "include_example": False, "pattern_point_in_time": False},
        {"pattern_alerting": False, "ci": "none"},
    ],
    ids=["defaults", "minimal", "every-pattern", "minimal-every-pattern", "bare"],
)
def test_the_hook_runs_on_the_templates_own_files_for_every_kind_of_answer(
    tmp_path: Path, options: dict[str, object], schema_format: str
) -> None:
    """Two table entries that remove the same file would fail here: the second finds nothing to remove."""
    template_tree(tmp_path, "orders_star_schema")
    assert hook.main(tmp_path, {**default_answers(), **options, "schema_format": schema_format}) == 0
    assert (tmp_path / "uv.lock").is_file()


def test_each_schema_format_keeps_exactly_its_own_contract_files() -> None:
    schemas = TEMPLATE_DIR / "src" / UNRENDERED_PACKAGE / "schemas"
    suffixes = {"pyspark": ".spark.json", "avro": ".avsc", "glue": ".glue.json"}
    everything = {path.name for path in schemas.iterdir()}
    for schema_format, suffix in suffixes.items():
        answers = {**default_answers(), "schema_format": schema_format}
        removed = {
            path.name
            for pattern in hook.paths_to_remove(answers)
            if pattern.startswith("src/orders_star_schema/schemas/")
            for path in schemas.glob(pattern.rsplit("/", 1)[1])
        }
        kept = everything - removed
        # The example's 12 datasets (8 raw tables, 4 star-schema tables), in the chosen format only.
        assert len(kept) == 12, schema_format
        assert all(name.endswith(suffix) for name in kept), (schema_format, sorted(kept))


def test_every_table_option_is_an_answer() -> None:
    options = {option for option, _, _ in hook.REMOVE_PATHS}
    assert options <= set(default_answers())


def test_defaults_remove_the_minimal_job_and_every_pattern() -> None:
    assert hook.paths_to_remove(default_answers()) == [
        "src/orders_star_schema/jobs/minimal.py",
        "src/orders_star_schema/jobs/minimal.json",
        "bench/minimal.py",
        "bench/minimal_reference.py",
        "src/orders_star_schema/domain/records.py",
        "src/orders_star_schema/integration/records.py",
        "glue_scripts/minimal.py",
        "sample_data/records",
        "tests/unit/test_records.py",
        "tests/integration/test_minimal_job.py",
        "tests/integration/minimal_under_test.py",
        "src/orders_star_schema/schemas/records.*",
        "src/orders_star_schema/schemas/clean_records.*",
        "sample_data/records_changes",
        "src/orders_star_schema/schemas/records_changes.*",
        "src/orders_star_schema/schemas/records_state.*",
        "src/orders_star_schema/schemas/*.avsc",
        "src/orders_star_schema/schemas/*.glue.json",
        "uv.glue-6.0.lock",
        "uv.glue-5.0.lock",
        "uv.glue-4.0.lock",
        "src/orders_star_schema/kit/patterns/output_file_count.py",
        "tests/kit/test_output_file_count.py",
        "tests/integration/test_output_file_count_job.py",
        "tests/e2e_local/test_output_file_count_on_s3.py",
        "src/orders_star_schema/kit/patterns/single_file_output.py",
        "tests/kit/test_single_file_output.py",
        "tests/kit/test_single_file_output_s3.py",
        "tests/integration/test_single_file_output_job.py",
        "tests/e2e_local/test_single_file_output_on_s3.py",
        "src/orders_star_schema/kit/patterns/reprocessing.py",
        "tests/kit/test_reprocessing.py",
        "tests/integration/test_reprocessing_job.py",
        "tests/e2e_local/test_reprocessing_on_s3.py",
        "src/orders_star_schema/kit/patterns/point_in_time.py",
        "src/orders_star_schema/schemas/*_snapshots.*",
        "tests/kit/test_point_in_time.py",
        "tests/integration/test_point_in_time_job.py",
        "tests/e2e_local/test_point_in_time_on_s3.py",
        "src/orders_star_schema/kit/patterns/cdc.py",
        "src/orders_star_schema/schemas/*_changes.*",
        "src/orders_star_schema/schemas/*_state.*",
        "sample_data/**/*_changes",
        "tests/kit/test_cdc.py",
        "tests/integration/test_cdc_job.py",
        "tests/e2e_local/test_cdc_on_s3.py",
        "src/orders_star_schema/kit/patterns/bookmarks.py",
        "src/orders_star_schema/kit/cli/bookmarks.py",
        "tests/kit/test_bookmarks.py",
        "tests/integration/test_bookmarks_job.py",
        "tests/e2e_local/test_bookmarks_on_s3.py",
        "src/orders_star_schema/kit/patterns/recovery.py",
        "infra/recovery.tf",
        "tests/kit/test_recovery.py",
        "tests/integration/test_recovery_job.py",
    ]


def test_minimal_job_on_glue_4_without_ci_with_one_pattern_and_no_alerting() -> None:
    answers = {
        **default_answers(),
        "job_name": "daily_export",
        "include_example": False,
        "glue_version": "4.0",
        "ci": "none",
        "schema_format": "avro",
        "pattern_single_file_output": True,
        "pattern_alerting": False,
    }
    assert hook.paths_to_remove(answers) == [
        "src/daily_export/jobs/star_schema.py",
        "src/daily_export/jobs/star_schema.json",
        "bench/star_schema.py",
        "bench/star_schema_reference.py",
        "src/daily_export/domain/star_schema.py",
        "src/daily_export/integration/classicmodels.py",
        "glue_scripts/star_schema.py",
        "sample_data/classicmodels",
        "scripts/generate_sample_data.py",
        "tests/builders.py",
        "tests/unit/test_star_schema.py",
        "tests/integration/test_star_schema_job.py",
        "tests/integration/star_schema_under_test.py",
        "src/daily_export/schemas/customers.*",
        "src/daily_export/schemas/employees.*",
        "src/daily_export/schemas/offices.*",
        "src/daily_export/schemas/orders.*",
        "src/daily_export/schemas/orderdetails.*",
        "src/daily_export/schemas/payments.*",
        "src/daily_export/schemas/products.*",
        "src/daily_export/schemas/productlines.*",
        "src/daily_export/schemas/fact_orders.*",
        "src/daily_export/schemas/dim_customers.*",
        "src/daily_export/schemas/dim_products.*",
        "src/daily_export/schemas/dim_locations.*",
        "src/daily_export/schemas/customers_changes.*",
        "src/daily_export/schemas/customers_state.*",
        "src/daily_export/schemas/*.spark.json",
        "src/daily_export/schemas/*.glue.json",
        ".github",
        "uv.glue-5.1.lock",
        "uv.glue-6.0.lock",
        "uv.glue-5.0.lock",
        "tests/kit/test_config_glue_parity.py",
        "src/daily_export/kit/patterns/output_file_count.py",
        "tests/kit/test_output_file_count.py",
        "tests/integration/test_output_file_count_job.py",
        "tests/e2e_local/test_output_file_count_on_s3.py",
        "src/daily_export/kit/patterns/reprocessing.py",
        "tests/kit/test_reprocessing.py",
        "tests/integration/test_reprocessing_job.py",
        "tests/e2e_local/test_reprocessing_on_s3.py",
        "src/daily_export/kit/patterns/point_in_time.py",
        "src/daily_export/schemas/*_snapshots.*",
        "tests/kit/test_point_in_time.py",
        "tests/integration/test_point_in_time_job.py",
        "tests/e2e_local/test_point_in_time_on_s3.py",
        "src/daily_export/kit/patterns/cdc.py",
        "src/daily_export/schemas/*_changes.*",
        "src/daily_export/schemas/*_state.*",
        "sample_data/**/*_changes",
        "tests/kit/test_cdc.py",
        "tests/integration/test_cdc_job.py",
        "tests/e2e_local/test_cdc_on_s3.py",
        "src/daily_export/kit/patterns/bookmarks.py",
        "src/daily_export/kit/cli/bookmarks.py",
        "tests/kit/test_bookmarks.py",
        "tests/integration/test_bookmarks_job.py",
        "tests/e2e_local/test_bookmarks_on_s3.py",
        "src/daily_export/kit/patterns/recovery.py",
        "infra/recovery.tf",
        "tests/kit/test_recovery.py",
        "tests/integration/test_recovery_job.py",
        "infra/alerting.tf",
        "infra/events",
        "tests/infra/test_alerting.py",
    ]


def test_example_with_every_pattern_removes_only_the_minimal_job() -> None:
    answers = {**default_answers(), **JOB_PATTERNS}
    assert hook.paths_to_remove(answers) == [
        "src/orders_star_schema/jobs/minimal.py",
        "src/orders_star_schema/jobs/minimal.json",
        "bench/minimal.py",
        "bench/minimal_reference.py",
        "src/orders_star_schema/domain/records.py",
        "src/orders_star_schema/integration/records.py",
        "glue_scripts/minimal.py",
        "sample_data/records",
        "tests/unit/test_records.py",
        "tests/integration/test_minimal_job.py",
        "tests/integration/minimal_under_test.py",
        "src/orders_star_schema/schemas/records.*",
        "src/orders_star_schema/schemas/clean_records.*",
        "sample_data/records_changes",
        "src/orders_star_schema/schemas/records_changes.*",
        "src/orders_star_schema/schemas/records_state.*",
        "src/orders_star_schema/schemas/*.avsc",
        "src/orders_star_schema/schemas/*.glue.json",
        "uv.glue-6.0.lock",
        "uv.glue-5.0.lock",
        "uv.glue-4.0.lock",
    ]


def test_main_removes_files_and_directories(tmp_path: Path) -> None:
    answers = {**default_answers(), **JOB_PATTERNS}
    for relative in hook.paths_to_remove(answers):
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if relative in ("sample_data/records", "sample_data/records_changes"):
            target.mkdir()
            (target / "records.csv").write_text("id\n1\n")
        elif "*" not in relative:
            target.write_text("")
    schemas = tmp_path / "src/orders_star_schema/schemas"
    for name in [
        "records.spark.json",
        "records.avsc",
        "clean_records.avsc",
        "records_changes.spark.json",
        "records_state.avsc",
        "orders.avsc",
        "orders.glue.json",
    ]:
        (schemas / name).write_text("{}")
    kept = [tmp_path / "src/orders_star_schema/jobs/star_schema.py", schemas / "orders.spark.json"]
    for path in kept:
        path.write_text("")
    (tmp_path / "uv.glue-5.1.lock").write_text("# Glue 5.1's lock\n")

    assert hook.main(tmp_path, answers) == 0

    assert sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*") if path.is_file()) == [
        "src/orders_star_schema/jobs/star_schema.py",
        "src/orders_star_schema/schemas/orders.spark.json",
        "uv.lock",
    ]
    assert (tmp_path / "uv.lock").read_text() == "# Glue 5.1's lock\n"


def touch_removed_paths(root: Path, answers: dict[str, object]) -> None:
    """One empty file for each path the hook removes (a glob's '*' becomes 'x')."""
    for relative in hook.paths_to_remove(answers):
        target = root / relative.replace("*", "x")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("")


@pytest.mark.parametrize("glue_version", ["5.1", "6.0", "5.0", "4.0"])
def test_the_chosen_glue_versions_lock_becomes_uv_lock(tmp_path: Path, glue_version: str) -> None:
    answers = {**default_answers(), "glue_version": glue_version}
    touch_removed_paths(tmp_path, answers)
    for version in hook.GLUE_VERSIONS:
        (tmp_path / f"uv.glue-{version}.lock").write_text(f"# Glue {version}\n")

    assert hook.main(tmp_path, answers) == 0

    assert sorted(path.name for path in tmp_path.glob("uv*.lock")) == ["uv.lock"]
    assert (tmp_path / "uv.lock").read_text() == f"# Glue {glue_version}\n"


def test_one_lock_per_glue_version_in_the_template() -> None:
    assert hook.GLUE_VERSIONS == template_config()["glue_version"] == list(template_config()["_glue"])
    assert sorted(path.name for path in TEMPLATE_DIR.glob("uv*.lock")) == sorted(
        f"uv.glue-{version}.lock" for version in hook.GLUE_VERSIONS
    )


def test_a_missing_lock_of_the_chosen_glue_version_is_an_error(tmp_path: Path) -> None:
    answers = {**default_answers(), "glue_version": "4.0"}
    touch_removed_paths(tmp_path, answers)
    with pytest.raises(FileNotFoundError, match=re.escape("uv.glue-4.0.lock")):
        hook.main(tmp_path, answers)


def test_a_glob_matching_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=re.escape("schemas/*.avsc")):
        hook.remove(tmp_path, "src/orders_star_schema/schemas/*.avsc")


def test_a_table_path_missing_from_the_render_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=re.escape("src/orders_star_schema/jobs/minimal.py")):
        hook.main(tmp_path, default_answers())
