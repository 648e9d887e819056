"""infra/ read as data (python-hcl2): the job Terraform deploys is the job the code declares, and it is locked down.

No provider is downloaded, so nothing here plans or applies. Each test checks one promise of infra/
against its other source: the argument set against the job's config model, the Glue version against
the Glue table, the catalog tables against the contracts (through the same drift check as
``make schema-check``), and the buckets and policies against the rules a security review applies.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

import integration.{{ cookiecutter.__job_module }}_under_test as under_test
from {{ cookiecutter.job_name }}.kit.args import ROLES, JobArgumentError, parse_job_arguments
from {{ cookiecutter.job_name }}.kit.cli import catalog_tables
from {{ cookiecutter.job_name }}.kit.contracts import Contract
from {{ cookiecutter.job_name }}.kit.declarations import load_contract
from {{ cookiecutter.job_name }}.kit.deploy import argument_templates, fill_arguments, placeholder
from {{ cookiecutter.job_name }}.kit.handler import job_arguments
from {{ cookiecutter.job_name }}.kit.io.glue_catalog import check_catalog
from {{ cookiecutter.job_name }}.kit.io.publish import split_location
from {{ cookiecutter.job_name }}.kit.patterns import installed_names
from {{ cookiecutter.job_name }}.kit.testing.terraform import Module, load_module, load_tfvars, statements

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
JOB = under_test.JOB
# Glue's own job parameters (docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-etl-glue-arguments.html)
# that infra/ sets: any other argument Terraform sets must be one the job's config model takes.
GLUE_PARAMETERS = {
    "--TempDir",
    "--additional-python-modules",
    "--enable-metrics",
    "--enable-observability-metrics",
    "--enable-continuous-cloudwatch-log",
    "--job-bookmark-option",
    "--job-language",
    "--custom-logGroup-prefix",
    "--continuous-log-logGroup",
}
# Each location role's base, as local.locations makes it from a deployment's buckets.
LOCATIONS = {
    "input": "s3://bucket-raw",
    "output": "s3://bucket-curated",
    "quarantine": "s3://bucket-quarantine",
    "temp": "s3://bucket-temp",
}


@pytest.fixture(scope="module")
def infra() -> Module:
    return load_module(INFRA)


def job(infra: Module) -> dict[str, Any]:
    return infra.resource("aws_glue_job", "job")


def terraform_arguments(infra: Module, glue_version: str) -> dict[str, str]:
    """The job's default arguments as Terraform computes them for the manifest ``make package`` writes."""
    merged = re.fullmatch(r"\$\{merge\((.*)\)\}", job(infra)["default_arguments"])
    assert merged, job(infra)["default_arguments"]
    sources = [source.strip() for source in merged[1].split(",")]
    assert sources[:3] == ["local.job_arguments", "local.glue_arguments", "local.log_arguments"], sources
    # Any more: a pattern's own arguments (the recovery pattern's --max_input_age_hours), each a map in locals.
    patterns = {
        name: str(value)
        for source in sources[3:]
        for name, value in infra.locals[source.removeprefix("local.")].items()
    }
    # job_arguments: each manifest template with every role's placeholder replaced by that role's location.
    expression = infra.locals["job_arguments"]
    assert "local.manifest.arguments" in expression
    for role in ROLES:
        assert f'"{placeholder(role)}", local.locations.{role}' in expression, f"job_arguments does not fill {role}"
    assert set(infra.locals["locations"]) == set(ROLES)
    templates = argument_templates(JOB.config_type, JOB.name)
    arguments = fill_arguments(templates, LOCATIONS)
    glue = {name: str(value) for name, value in infra.locals["glue_arguments"].items()}
    # log_arguments: Glue 5.0+ takes a log group prefix, 4.0 one continuous-log group.
    log_choice = re.fullmatch(
        r"\$\{tonumber\(local\.manifest\.glue_version\) >= 5 \? \{(.*)\} : \{(.*)\}\}",
        infra.locals["log_arguments"],
        re.S,
    )
    assert log_choice, infra.locals["log_arguments"]
    chosen = log_choice[1] if float(glue_version) >= 5 else log_choice[2]
    logs = dict(re.findall(r'"(--[A-Za-z-]+)"\s*=\s*([^,}]+)', chosen))
    return {**arguments, **glue, **{name: "/aws-glue/jobs/log-group" for name in logs}, **patterns}


def makefile_glue_version() -> str:
    found = re.search(r"^GLUE_VERSION := (\S+)$", (REPO / "Makefile").read_text(encoding="utf-8"), re.M)
    assert found, "the Makefile sets no GLUE_VERSION"
    return found[1]


def test_the_job_accepts_every_argument_terraform_sets_and_gets_every_one_it_requires(infra: Module) -> None:
    arguments = terraform_arguments(infra, makefile_glue_version())
    # Nothing the job rejects: every argument is the job's own or one of Glue's.
    own = {name for name in arguments if name not in GLUE_PARAMETERS}
    fields = {f"--{info.alias or name}" for name, info in job_arguments(JOB.config_type).model_fields.items()}
    assert own <= fields, f"arguments the job does not take: {sorted(own - fields)}"
    # Nothing missing: the job parses the set as Glue passes it, its own two names added.
    argv = ["script", "--JOB_NAME", JOB.name, "--JOB_RUN_ID", "jr_terraform"]
    argv += [token for name, value in sorted(arguments.items()) for token in (name, value)]
    config = parse_job_arguments(argv, JOB.config_type)
    required = {name for name, info in JOB.config_type.model_fields.items() if info.is_required()}
    assert required <= set(config.model_fields_set) | {"job_name"}


def test_an_argument_the_job_requires_but_terraform_omits_fails_the_parse(infra: Module) -> None:
    arguments = terraform_arguments(infra, makefile_glue_version())
    del arguments["--quarantine_path"]
    argv = ["script", "--JOB_NAME", JOB.name, *[token for item in sorted(arguments.items()) for token in item]]
    with pytest.raises(JobArgumentError, match="--quarantine_path: missing"):
        parse_job_arguments(argv, JOB.config_type)


def test_glue_version_python_and_spark_come_from_the_one_glue_table(infra: Module) -> None:
    answers = json.loads((REPO / ".cookiecutter.json").read_text(encoding="utf-8"))
    version = makefile_glue_version()
    assert version == answers["glue_version"]
    # The manifest names the version make package was told (the Makefile's); Terraform reads it from there.
    assert job(infra)["glue_version"] == "${local.manifest.glue_version}"
    assert job(infra)["command"][0]["python_version"] == "3"
    assert job(infra)["command"][0]["name"] == "glueetl"
    pins = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"pyspark=={answers["_glue"][version]["spark"]}"' in pins
    assert f'requires-python = "=={answers["_glue"][version]["python"]}.*"' in pins


def test_the_job_runs_one_at_a_time_under_its_security_configuration_with_a_delay_notice(infra: Module) -> None:
    glue_job = job(infra)
    assert glue_job["execution_property"] == [{"max_concurrent_runs": 1}]
    assert glue_job["notification_property"] == [{"notify_delay_after": "${var.notify_delay_after_minutes}"}]
    assert glue_job["security_configuration"] == "${aws_glue_security_configuration.job.name}"
    assert (glue_job["worker_type"], glue_job["number_of_workers"]) == (
        "${var.worker_type}",
        "${var.number_of_workers}",
    )
    assert infra.default("worker_type") == "{{ cookiecutter.worker_type }}"
    assert infra.default("number_of_workers") == {{ cookiecutter.number_of_workers }}
    encryption = infra.resource("aws_glue_security_configuration", "job")["encryption_configuration"][0]
    key = "${aws_kms_key.job.arn}"
    assert encryption["s3_encryption"] == [{"s3_encryption_mode": "SSE-KMS", "kms_key_arn": key}]
    assert encryption["cloudwatch_encryption"] == [{"cloudwatch_encryption_mode": "SSE-KMS", "kms_key_arn": key}]
    assert encryption["job_bookmarks_encryption"] == [{"job_bookmarks_encryption_mode": "CSE-KMS", "kms_key_arn": key}]
    # Bookmarks stay off unless the bookmarks pattern is installed, which reads only new files when they are on.
    option = "job-bookmark-enable" if "bookmarks" in installed_names() else "job-bookmark-disable"
    assert infra.locals["glue_arguments"]["--job-bookmark-option"] == option


def test_no_secret_travels_as_an_argument(infra: Module) -> None:
    names = {*infra.locals["glue_arguments"], *argument_templates(JOB.config_type, JOB.name)}
    assert not [name for name in names if re.search(r"secret|password|token|key$", name, re.I)]


def test_every_bucket_is_kms_encrypted_private_tls_only_and_cleaned_up(infra: Module) -> None:
    # Every bucket is one aws_s3_bucket.job instance, and each setting below covers every instance.
    assert set(infra.resources_of("aws_s3_bucket")) == {"job"}
    for kind in (
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_ownership_controls",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_lifecycle_configuration",
    ):
        assert infra.resource(kind, "job")["for_each"] == "${aws_s3_bucket.job}", kind
    sse = infra.resource("aws_s3_bucket_server_side_encryption_configuration", "job")["rule"][0]
    assert sse["apply_server_side_encryption_by_default"] == [
        {"sse_algorithm": "aws:kms", "kms_master_key_id": "${aws_kms_key.job.arn}"}
    ]
    block = infra.resource("aws_s3_bucket_public_access_block", "job")
    assert all(
        block[name] is True
        for name in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    assert infra.resource("aws_kms_key", "job")["enable_key_rotation"] is True
    (tls,) = statements(infra.data_source("aws_iam_policy_document", "tls_only"))
    assert (tls["effect"], tls["actions"]) == ("Deny", ["s3:*"])
    assert tls["condition"] == [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]
    rules = infra.resource("aws_s3_bucket_lifecycle_configuration", "job")
    assert rules["rule"][0]["abort_incomplete_multipart_upload"] == [
        {"days_after_initiation": "${var.abort_incomplete_uploads_days}"}
    ]
    # Data lives in raw, curated and quarantine: those keep versions, to undo a bad run.
    assert set(infra.locals["versioned_roles"]) == {"raw", "curated", "quarantine"}
    assert "contains(local.versioned_roles, role)" in infra.resource("aws_s3_bucket_versioning", "job")["for_each"]


def test_the_job_role_reaches_only_its_own_prefixes_key_logs_and_tables(infra: Module) -> None:
    assert not infra.resources_of("aws_iam_role_policy_attachment"), (
        "no managed policies: the role's grants are its own"
    )
    for document in ("job", "ci", "outputs_reader"):
        for statement in statements(infra.data_source("aws_iam_policy_document", document)):
            where = f"{document}.{statement['sid']}"
            resources = statement["resources"]
            resources = resources if isinstance(resources, list) else [resources]
            if "*" in resources:
                # Only actions that have no resource ARN, held by a condition (CloudWatch metrics).
                assert statement["actions"] == ["cloudwatch:PutMetricData"], where
                assert statement["condition"], where
                continue
            assert not any(re.search(r"s3:::\*|:\*$|^\*", str(resource)) for resource in resources), where
            for action in statement["actions"]:
                assert not action.endswith(":*"), f"{where}: {action}"
            if {"s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:ListBucketVersions"} & set(statement["actions"]):
                assert statement["condition"][0]["variable"] == "s3:prefix", f"{where} lists whole buckets"
            # Object ARNs are under a prefix of the job's (<job>/ or e2e/), never a bucket's root.
            for resource in resources:
                for found in re.finditer(r"local\.bucket_arns(?:\.\w+|\[\w+\])\}(/[^\"\s\]]*)?", str(resource)):
                    assert found[1] in (None, "/${local.job_name}/*", "/e2e/*"), f"{where}: {resource}"
    # The job's prefixes: its own, and e2e/ only where the AWS E2E runs (allow_e2e_runs, off in prod).
    assert infra.locals["data_prefixes"] == '${concat([local.job_name], var.allow_e2e_runs ? ["e2e"] : [])}'
    assert infra.default("allow_e2e_runs") is False
    # Object grants of the job role are local.prefix_arns: <bucket>/<prefix>/* for each of its prefixes.
    assert 'role => [for prefix in local.data_prefixes : "${arn}/${prefix}/*"]' in infra.locals["prefix_arns"]


def test_only_the_ci_role_starts_runs_and_the_outputs_reader_cannot(infra: Module) -> None:
    def actions(document: str) -> set[str]:
        return {
            action
            for each in statements(infra.data_source("aws_iam_policy_document", document))
            for action in each["actions"]
        }

    assert "glue:StartJobRun" in actions("ci")
    assert "glue:StartJobRun" not in actions("outputs_reader")
    assert not {action for action in actions("outputs_reader") if action.startswith("s3:Put")}
    # The AWS E2E's AccessDenied test assumes the outputs reader (E2E_DENIED_ROLE_ARN).
    assert "aws_iam_role.outputs_reader[0].arn" in json.dumps(infra.outputs["e2e_environment"])


def test_logs_are_kept_encrypted_and_the_key_lets_cloudwatch_logs_use_it(infra: Module) -> None:
    group = infra.resource("aws_cloudwatch_log_group", "job")
    assert (group["kms_key_id"], group["retention_in_days"]) == ("${aws_kms_key.job.arn}", "${var.log_retention_days}")
    logs = next(
        each for each in statements(infra.data_source("aws_iam_policy_document", "job_key"))
        if each.get("principals", [{}])[0].get("type") == "Service"
    )  # fmt: skip
    assert logs["principals"][0]["identifiers"] == ["logs.${var.region}.amazonaws.com"]
    assert logs["condition"][0]["variable"] == "kms:EncryptionContext:aws:logs:arn"
    writes = next(
        each
        for each in statements(infra.data_source("aws_iam_policy_document", "job"))
        if each["sid"] == "WriteTheJobsLogs"
    )
    assert "logs:AssociateKmsKey" in writes["actions"]


def test_each_environment_sets_only_declared_variables_and_prod_is_protected(infra: Module) -> None:
    environments = {
        path.name.removesuffix(".tfvars"): load_tfvars(path) for path in sorted((INFRA / "envs").glob("*.tfvars"))
    }
    assert set(environments) == {"dev", "prod"}
    for name, values in environments.items():
        assert set(values) <= set(infra.variables), (
            f"{name}.tfvars sets undeclared {sorted(set(values) - set(infra.variables))}"
        )
        assert values["environment"] == name
    dev, prod = environments["dev"], environments["prod"]
    assert (dev["deletion_protection"], prod["deletion_protection"]) == (False, True)
    assert (dev["allow_e2e_runs"], prod["allow_e2e_runs"]) == (True, False)
    assert dev["log_retention_days"] < prod["log_retention_days"]
    for name in ("dev", "prod"):
        backend = (INFRA / "envs" / f"{name}.s3.tfbackend").read_text(encoding="utf-8")
        assert re.search(r"^use_lockfile\s*=\s*true$", backend, re.M), f"{name}: state is not locked"
        assert re.search(r"^encrypt\s*=\s*true$", backend, re.M)


# The catalog: Terraform's tables are the contracts' (infra/catalog_tables.tf.json, written by make package).
def table_input(resource: dict[str, Any], location: str) -> dict[str, Any]:
    """What the AWS provider sends to CreateTable for an aws_glue_catalog_table, written out by hand."""

    def column(each: dict[str, Any]) -> dict[str, Any]:
        return {
            "Name": each["name"],
            "Type": each["type"],
            **({"Comment": each["comment"]} if "comment" in each else {}),
            **({"Parameters": each["parameters"]} if "parameters" in each else {}),
        }

    descriptor = resource["storage_descriptor"]
    return {
        "Name": resource["name"],
        "TableType": resource["table_type"],
        "Parameters": resource["parameters"],
        "PartitionKeys": [column(each) for each in resource["partition_keys"]],
        "StorageDescriptor": {
            "Columns": [column(each) for each in descriptor["columns"]],
            "Location": descriptor["location"]
            .replace("${local.output_path}", location)
            .replace("${local.output_parent}", split_location(location)[0]),
            "InputFormat": descriptor["input_format"],
            "OutputFormat": descriptor["output_format"],
            "SerdeInfo": {
                "SerializationLibrary": descriptor["ser_de_info"]["serialization_library"],
                "Parameters": descriptor["ser_de_info"]["parameters"],
            },
        },
    }


@pytest.fixture(scope="module")
def terraform_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The tables as make package writes them (the same command line as the Makefile's)."""
    line = re.search(
        r"kit\.cli\.catalog_tables --terraform infra/catalog_tables\.tf\.json \\\n\s*(.*)$",
        (REPO / "Makefile").read_text(encoding="utf-8"),
        re.M,
    )
    assert line, "make package does not write infra/catalog_tables.tf.json"
    options = [option.strip("'").replace("$${", "${") for option in line[1].split()]
    path = tmp_path_factory.mktemp("terraform") / "catalog_tables.tf.json"
    assert catalog_tables.main(["--terraform", str(path), *options]) == 0
    document = json.loads(path.read_text(encoding="utf-8"))
    tables: dict[str, dict[str, Any]] = document["resource"]["aws_glue_catalog_table"]
    return tables


def contracts() -> dict[str, Contract]:
    return {name: load_contract(name) for name in JOB.outputs}


def test_terraform_declares_one_table_per_output_in_the_jobs_database(
    terraform_tables: dict[str, dict[str, Any]],
) -> None:
    assert set(terraform_tables) == set(JOB.outputs)
    for name, table in terraform_tables.items():
        assert table["database_name"] == "${aws_glue_catalog_database.job.name}"
        if name in JOB.beside:
            assert table["storage_descriptor"]["location"] == "${local.output_parent}/" + name + "/", name
            continue
        folder = f"/{JOB.folders[name]}/" if JOB.folders[name] else "/"
        assert table["storage_descriptor"]["location"] == "${local.output_path}" + folder, name


@mock_aws
def test_schema_check_finds_nothing_after_terraform_creates_the_tables(
    terraform_tables: dict[str, dict[str, Any]],
) -> None:
    glue = boto3.client("glue", region_name="eu-west-1")
    glue.create_database(DatabaseInput={"Name": "job_dev"})
    for resource in terraform_tables.values():
        glue.create_table(DatabaseName="job_dev", TableInput=table_input(resource, "s3://bucket-curated/job/output"))  # type: ignore[arg-type]
    reports = check_catalog(glue, "job_dev", contracts())
    assert [change for report in reports for change in report.changes] == []
    assert {report.dataset for report in reports} == set(JOB.outputs)


@mock_aws
def test_a_column_terraform_declares_with_another_type_is_drift(terraform_tables: dict[str, dict[str, Any]]) -> None:
    glue = boto3.client("glue", region_name="eu-west-1")
    glue.create_database(DatabaseInput={"Name": "job_dev"})
    name = next(iter(terraform_tables))
    for dataset, resource in terraform_tables.items():
        table = table_input(resource, "s3://bucket-curated/job/output")
        if dataset == name:
            column = table["StorageDescriptor"]["Columns"][0]
            column["Type"] = "boolean" if column["Type"] != "boolean" else "string"
        glue.create_table(DatabaseName="job_dev", TableInput=table)  # type: ignore[arg-type]
    reports = check_catalog(glue, "job_dev", contracts())
    changed = {report.dataset for report in reports if report.changes}
    assert changed == {name}
