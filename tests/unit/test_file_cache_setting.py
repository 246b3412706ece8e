"""IMGHOST_FILE_CACHE_SECONDS: how long caches may keep a stored image (never `immutable`)."""

from __future__ import annotations

import pytest

from imghost.services.storage.base import cache_control
from imghost.settings import ConfigError, Settings, load_settings


def test_cache_control_follows_the_setting():
    assert cache_control(Settings(file_cache_seconds=60)) == "public, max-age=60"
    assert cache_control(Settings()) == "public, max-age=3600"


@pytest.mark.parametrize("value", ["-1", "forever", str(366 * 24 * 3600)])
def test_a_bad_value_names_the_variable(monkeypatch, tmp_path, value):
    monkeypatch.setenv("IMGHOST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IMGHOST_FILE_CACHE_SECONDS", value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert "IMGHOST_FILE_CACHE_SECONDS" in str(error.value.code)
