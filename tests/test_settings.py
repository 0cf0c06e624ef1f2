"""Settings (api.settings): validation across fields, and where the embedded database lives by default."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import Settings, default_data_dir


@pytest.fixture(autouse=True)
def no_scholargraph_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SCHOLARGRAPH_"):
            monkeypatch.delenv(name)


def test_a_pool_minimum_above_its_maximum_is_refused_naming_both() -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(database_url=None, pool_min_size=5, pool_max_size=2)
    message = str(raised.value)
    assert "pool_min_size (5)" in message
    assert "pool_max_size (2)" in message


def test_a_pool_minimum_equal_to_its_maximum_is_accepted() -> None:
    settings = Settings(database_url=None, pool_min_size=3, pool_max_size=3)
    assert (settings.pool_min_size, settings.pool_max_size) == (3, 3)


def test_pool_bounds_from_the_environment_are_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHOLARGRAPH_POOL_MIN_SIZE", "11")
    with pytest.raises(ValidationError, match=r"pool_min_size \(11\) exceeds pool_max_size \(10\)"):
        Settings()


def test_the_default_data_dir_for_the_current_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    expected = Path("/var/lib/scholargraph") if os.geteuid() == 0 else tmp_path / "xdg" / "scholargraph"
    assert Settings().data_dir == expected


def test_the_default_data_dir_as_root_is_var_lib(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == Path("/var/lib/scholargraph")


def test_the_default_data_dir_of_a_user_is_under_xdg_data_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert Settings().data_dir == tmp_path / "xdg" / "scholargraph"


def test_the_default_data_dir_of_a_user_without_xdg_data_home_is_under_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_data_dir() == tmp_path / "home" / ".local" / "share" / "scholargraph"


def test_scholargraph_data_dir_overrides_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCHOLARGRAPH_DATA_DIR", str(tmp_path / "here"))
    assert Settings().data_dir == tmp_path / "here"
