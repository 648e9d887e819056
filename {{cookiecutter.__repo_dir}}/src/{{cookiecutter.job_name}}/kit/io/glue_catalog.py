"""The Glue Catalog adapter: the deployed table of each dataset, read with boto3, compared with its contract."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)
from pyspark.sql.types import StructType

from ..contracts import Contract, formats
from ..contracts.drift import UNREADABLE_TABLE, Change, DatasetReport, compare

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient

OFFLINE_HINT = "or skip the catalog with --no-catalog (make schema-check CATALOG=off)"
# Error codes that mean "these credentials may not read the catalog", not "the table is missing".
ACCESS_ERROR_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidSignatureException",
}


class CatalogUnavailableError(RuntimeError):
    """The Glue Catalog could not be read; the message says why and how to fix it."""


def glue_client(region: str | None, database: str) -> GlueClient:
    """A Glue client for ``region`` (None: the SDK's default); a failure to build one is explained."""
    try:
        return boto3.client("glue", region_name=region)
    except Exception as exc:
        raise _unavailable(exc, None, database) from None


def check_catalog(glue: GlueClient, database: str, contracts: Mapping[str, Contract]) -> list[DatasetReport]:
    """Compare each contract with its table in ``database``; missing tables are not deployed yet."""
    _require_database(glue, database)
    return [check_deployed_table(glue, database, contract) for contract in contracts.values()]


def check_deployed_table(glue: GlueClient, database: str, contract: Contract) -> DatasetReport:
    dataset = contract.name
    try:
        deployed = deployed_schema(glue, database, dataset)
    except formats.SchemaConversionError as exc:
        unreadable = Change(dataset, "", UNREADABLE_TABLE, str(exc), None, breaking=True)
        return DatasetReport(dataset, (unreadable,))
    if deployed is None:
        return DatasetReport(dataset, deployed=False, note="no table yet; the first deploy creates it")
    return DatasetReport(dataset, tuple(compare(dataset, deployed, contract.schema)))


def deployed_schema(glue: GlueClient, database: str, dataset: str) -> StructType | None:
    """The deployed table's schema, or None if the table does not exist yet."""
    try:
        table: Any = glue.get_table(DatabaseName=database, Name=dataset)["Table"]
    except Exception as exc:
        if _error_code(exc) == "EntityNotFoundException":
            return None
        raise _unavailable(exc, glue, database) from None
    return formats.from_glue_table(table)


def _require_database(glue: GlueClient, database: str) -> None:
    try:
        glue.get_database(Name=database)
    except Exception as exc:
        if _error_code(exc) == "EntityNotFoundException":
            raise CatalogUnavailableError(
                f"Glue database '{database}' does not exist in region {glue.meta.region_name}. "
                f"Deploy it first, name the right one with --database (make schema-check GLUE_DATABASE=...), "
                f"{OFFLINE_HINT}."
            ) from None
        raise _unavailable(exc, glue, database) from None


def _error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def _unavailable(exc: Exception, glue: GlueClient | None, database: str) -> Exception:
    """A clear error for the ways reaching the catalog fails; anything else is re-raised as it is."""
    region = glue.meta.region_name if glue is not None else "(none)"
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return CatalogUnavailableError(
            f"No AWS credentials to read the Glue Catalog ({exc}). Set them (AWS_PROFILE, 'aws sso login', "
            f"or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), {OFFLINE_HINT}."
        )
    if isinstance(exc, NoRegionError):
        return CatalogUnavailableError(f"No AWS region given. Pass --region (or set AWS_REGION), {OFFLINE_HINT}.")
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError)):
        return CatalogUnavailableError(
            f"Cannot reach the Glue endpoint in region {region} ({exc}). Check the network and the region "
            f"(--region / AWS_REGION), {OFFLINE_HINT}."
        )
    code = _error_code(exc)
    if code in ACCESS_ERROR_CODES:
        return CatalogUnavailableError(
            f"Access to the Glue Catalog was refused ({code}: {exc}). Use credentials allowed glue:GetDatabase "
            f"and glue:GetTable on database '{database}' in region {region}, {OFFLINE_HINT}."
        )
    if isinstance(exc, BotoCoreError) or code is not None:
        return CatalogUnavailableError(f"Reading the Glue Catalog failed ({exc}); {OFFLINE_HINT}.")
    return exc
