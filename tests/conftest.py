from __future__ import annotations

from pathlib import Path

import pytest
from bakery import write_cookiecutter_config


@pytest.fixture(scope="session")
def cookiecutter_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_cookiecutter_config(tmp_path_factory.mktemp("cookiecutter-home"))
