"""The alerting pattern: exactly the job's failed, timed-out, stopped, errored and late runs reach the topic.

moto's EventBridge does not deliver to SNS and its ``test_event_pattern`` returns no result, so the rules
are tested as deployed but with an SQS target: ``put_rule`` with the event pattern file Terraform reads,
``put_events`` with Glue's own event bodies, then the queue holds exactly the events an alert goes out
for. moto cannot hand a transformed plain-text message to SQS, so Terraform's input transformer is
applied to each delivered event here, as EventBridge documents it (``<name>`` -> the value at its path).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from {{ cookiecutter.job_name }}.kit.testing.terraform import Module, load_module, statements

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sqs import SQSClient

INFRA = Path(__file__).resolve().parents[2] / "infra"
REGION = "eu-west-1"
# The deployed job's name (<job>-<environment>), and another job of the account.
JOB = "{{ cookiecutter.job_name }}-dev"
OTHER_JOB = "another_job-dev"


@pytest.fixture(scope="module")
def infra() -> Module:
    return load_module(INFRA)


def event_pattern(infra: Module, rule: str) -> str:
    """The rule's pattern as Terraform renders it: its template file with the job's name filled in."""
    expression = infra.resource("aws_cloudwatch_event_rule", rule)["event_pattern"]
    found = re.fullmatch(
        r'\$\{templatefile\("\$\{path\.module\}/(events/[^"]+)", \{job_name = aws_glue_job\.job\.name\}\)\}', expression
    )
    assert found, expression
    return Template((INFRA / found[1]).read_text(encoding="utf-8")).substitute(job_name=JOB)


def glue_event(detail_type: str, job: str, state: str, message: str, run: str) -> dict[str, Any]:
    """A Glue event as EventBridge gets it, in the shape Glue's documentation gives
    (docs.aws.amazon.com/glue/latest/dg/automating-awsglue-with-cloudwatch-events.html)."""
    detail: dict[str, Any] = {
        "jobName": job,
        "severity": "ERROR" if state in ("FAILED", "TIMEOUT", "ERROR") else "INFO",
        "state": state,
        "jobRunId": run,
        "message": message,
    }
    if detail_type == "Glue Job Run Status":
        detail["notificationCondition"] = {"NotifyDelayAfter": 30.0}
    return {"Source": "aws.glue", "DetailType": detail_type, "Detail": json.dumps(detail), "Resources": []}


@pytest.fixture
def queue(infra: Module) -> Iterator[tuple[EventBridgeClient, SQSClient, str]]:
    """Both rules, each to one SQS queue through the input transformer Terraform sets."""
    with mock_aws():
        events = boto3.client("events", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName="alerts")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        for rule in infra.locals["alert_rules"]:
            events.put_rule(Name=rule, EventPattern=event_pattern(infra, rule))
            events.put_targets(Rule=rule, Targets=[{"Id": "sqs", "Arn": arn}])
        yield events, sqs, url


def transform(event: dict[str, Any], paths: dict[str, str], template: str) -> str:
    """An input transformer: each ``<name>`` of ``template`` becomes the value at ``paths[name]`` (``$.a.b``)."""
    for name, path in paths.items():
        value: Any = event
        for key in path.removeprefix("$.").split("."):
            value = value[key]
        template = template.replace(f"<{name}>", str(value))
    message = json.loads(template)
    assert isinstance(message, str)
    return message


def delivered(sqs: SQSClient, url: str, infra: Module) -> list[str]:
    """The alert text of each event the queue got, as the topic's subscribers would read it."""
    target = infra.resource("aws_cloudwatch_event_target", "alerts")
    assert (target["for_each"], target["arn"]) == ("${local.alert_rules}", "${aws_sns_topic.alerts.arn}")
    transformer = target["input_transformer"][0]
    assert transformer == {
        "input_paths": "${local.alert_paths}",
        "input_template": "${local.alert_templates[each.key]}",
    }
    paths = infra.interpolate(infra.locals["alert_paths"])
    templates = infra.interpolate(infra.locals["alert_templates"])
    rules = {"Glue Job State Change": "job_failed", "Glue Job Run Status": "job_delayed"}
    assert set(templates) == set(infra.locals["alert_rules"]) == set(rules.values())
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    events = [json.loads(message["Body"]) for message in messages]
    return sorted(transform(event, paths, templates[rules[event["detail-type"]]]) for event in events)


def test_failed_timed_out_stopped_and_errored_runs_alert_and_a_success_does_not(
    queue: tuple[EventBridgeClient, SQSClient, str], infra: Module
) -> None:
    events, sqs, url = queue
    entries = [
        glue_event("Glue Job State Change", JOB, "FAILED", "ZeroDivisionError: division by zero", "jr_failed"),
        glue_event("Glue Job State Change", JOB, "TIMEOUT", "Job run timed out", "jr_timeout"),
        glue_event("Glue Job State Change", JOB, "STOPPED", "Job run stopped by user", "jr_stopped"),
        glue_event("Glue Job State Change", JOB, "ERROR", "Insufficient Lake Formation permission", "jr_error"),
        glue_event("Glue Job State Change", JOB, "SUCCEEDED", "Job run succeeded", "jr_ok"),
        glue_event("Glue Job State Change", OTHER_JOB, "FAILED", "another job's failure", "jr_other"),
    ]
    assert events.put_events(Entries=entries)["FailedEntryCount"] == 0  # type: ignore[arg-type]
    messages = delivered(sqs, url, infra)
    assert [re.search(r"run (jr_\w+)", message)[1] for message in messages] == sorted(  # type: ignore[index]
        ["jr_error", "jr_failed", "jr_stopped", "jr_timeout"]
    )
    failed = next(message for message in messages if "jr_failed" in message)
    assert failed.startswith(f"Glue job {JOB}: run jr_failed ended FAILED. ZeroDivisionError: division by zero")
    assert f"https://{REGION}.console.aws.amazon.com/gluestudio/home?region={REGION}#/job/{JOB}/run/jr_failed" in failed


def test_a_late_run_alerts_as_late_and_another_jobs_does_not(
    queue: tuple[EventBridgeClient, SQSClient, str], infra: Module
) -> None:
    events, sqs, url = queue
    entries = [
        glue_event("Glue Job Run Status", JOB, "RUNNING", "Job run exceeded the notify delay", "jr_late"),
        glue_event("Glue Job Run Status", OTHER_JOB, "RUNNING", "Job run exceeded the notify delay", "jr_other_late"),
    ]
    assert events.put_events(Entries=entries)["FailedEntryCount"] == 0  # type: ignore[arg-type]
    (message,) = delivered(sqs, url, infra)
    minutes = infra.default("notify_delay_after_minutes")
    assert message.startswith(f"Glue job {JOB}: run jr_late is late (still RUNNING after {minutes} minutes).")


def test_the_topic_is_encrypted_with_a_key_eventbridge_may_use_and_only_the_rules_publish(infra: Module) -> None:
    topic = infra.resource("aws_sns_topic", "alerts")
    # A customer-managed key: EventBridge cannot use the AWS-managed alias/aws/sns.
    assert topic["kms_master_key_id"] == "${aws_kms_key.alerts.arn}"
    assert infra.resource("aws_kms_key", "alerts")["enable_key_rotation"] is True
    events_grant = next(
        each for each in statements(infra.data_source("aws_iam_policy_document", "alerts_key"))
        if each.get("principals", [{}])[0].get("identifiers") == ["events.amazonaws.com"]
    )  # fmt: skip
    assert set(events_grant["actions"]) == {"kms:Decrypt", "kms:GenerateDataKey"}
    # SNS passes no aws:SourceArn/aws:SourceAccount to KMS here: a condition on them would block every alert.
    assert "condition" not in events_grant
    (publish,) = statements(infra.data_source("aws_iam_policy_document", "alerts_topic"))
    assert publish["actions"] == ["sns:Publish"]
    assert publish["principals"] == [{"type": "Service", "identifiers": ["events.amazonaws.com"]}]
    assert publish["condition"][0]["values"] == [
        "${aws_cloudwatch_event_rule.job_failed.arn}",
        "${aws_cloudwatch_event_rule.job_delayed.arn}",
    ]
    subscription = infra.resource("aws_sns_topic_subscription", "alert_email")
    assert subscription["count"] == '${var.alert_email == "" ? 0 : 1}'
