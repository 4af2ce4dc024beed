"""The settings file: profiles with non-secret values, atomic writes, never a secret."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from core import logsetup, settings
from core.settings import Settings


def test_round_trip_profiles_defaults_and_last_used(isolated_state: Path) -> None:
    with settings.edit() as s:
        s.set_profile_values("netcore", "default", {"region": "eu"})
        s.set_profile_values("octopush", "shop-2", {"api_login": "two@example.com"})
        s.set_profile_values("octopush", "default", {"api_login": "one@example.com"})
        s.set_default_country("octopush", "shop-2", " be ")
        s.set_default_list("netcore", "default", "12")
        s.set_last_used("octopush", "shop-2")
    assert (isolated_state / "settings.json").is_file()
    again = Settings.load()
    assert again.profiles("octopush") == ["default", "shop-2"]
    assert again.profile_values("octopush", "shop-2") == {
        "api_login": "two@example.com",
        "default_country": "BE",
    }
    assert again.default_country("octopush", "shop-2") == "BE"
    assert again.default_list("netcore", "default") == "12"
    assert again.get("netcore", "default", "region") == "eu"
    assert again.last_used() == ("octopush", "shop-2")
    assert again.profiles("aptania") == []
    assert again.profile_values("aptania", "nope") == {}


def test_empty_value_removes_a_key_and_remove_profile_forgets_it() -> None:
    with settings.edit() as s:
        s.set_profile_values("octopush", "shop-2", {"api_login": "x@example.com", "default_list": "vip"})
        s.set_last_used("octopush", "shop-2")
    with settings.edit() as s:
        s.set_profile_values("octopush", "shop-2", {"default_list": ""})
    assert Settings.load().profile_values("octopush", "shop-2") == {"api_login": "x@example.com"}
    with settings.edit() as s:
        assert s.remove_profile("octopush", "shop-2") is True
        assert s.remove_profile("octopush", "shop-2") is False
    loaded = Settings.load()
    assert loaded.profiles("octopush") == []
    assert loaded.last_used() == ("octopush", None)


@pytest.mark.parametrize(
    ("provider", "key"),
    [
        ("octopush", "api_key"),
        ("iletimerkezi", "api_hash"),
        ("aptania", "token_uuid"),
        ("netcore", "api_key"),
    ],
)
def test_refuses_secret_credential_ids(provider: str, key: str) -> None:
    s = Settings.load()
    with pytest.raises(ValueError, match="secret"):
        s.set_profile_values(provider, "default", {key: "whatever-123"})
    assert not s.path.exists()


def test_refuses_a_registered_secret_value_under_any_name() -> None:
    logsetup.register_secret("SECRET-registered-b7a1")
    s = Settings.load()
    with pytest.raises(ValueError, match="secret"):
        s.set_profile_values("octopush", "default", {"default_list": "SECRET-registered-b7a1"})


def test_save_checks_again_even_if_data_was_built_by_hand(isolated_state: Path) -> None:
    s = Settings({"profiles": {"octopush": {"default": {"api_key": "sneaked-in"}}}})
    with pytest.raises(ValueError, match="secret"):
        s.save()
    assert not (isolated_state / "settings.json").exists()


def test_writes_are_atomic_and_leave_no_temporary_files(isolated_state: Path) -> None:
    with settings.edit() as s:
        s.set_profile_values("netcore", "default", {"region": "in"})
    first = (isolated_state / "settings.json").stat().st_ino
    with settings.edit() as s:
        s.set_profile_values("netcore", "default", {"region": "eu"})
    # a new file renamed over the old one, never the old one rewritten in place
    assert (isolated_state / "settings.json").stat().st_ino != first
    assert sorted(p.name for p in isolated_state.iterdir()) == ["settings.json"]
    assert json.loads((isolated_state / "settings.json").read_text(encoding="utf-8"))["version"] == 1


def test_concurrent_edits_lose_nothing() -> None:
    def work(n: int) -> None:
        for i in range(10):
            with settings.edit() as s:
                s.set_profile_values("octopush", f"p{n}", {"default_list": f"list-{i}"})

    threads = [threading.Thread(target=work, args=(n,)) for n in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    loaded = Settings.load()
    assert loaded.profiles("octopush") == [f"p{n}" for n in range(5)]
    assert all(loaded.default_list("octopush", f"p{n}") == "list-9" for n in range(5))


def test_a_damaged_file_is_moved_aside_and_the_program_goes_on(
    isolated_state: Path, caplog: pytest.LogCaptureFixture
) -> None:
    isolated_state.mkdir(parents=True, exist_ok=True)
    (isolated_state / "settings.json").write_text('{"profiles": {"netcore": ', encoding="utf-8")
    loaded = Settings.load()
    assert loaded.profiles("netcore") == []
    assert (isolated_state / "settings.json.damaged").read_text(encoding="utf-8").startswith('{"profiles"')
    assert "damaged" in caplog.text
    loaded.set_profile_values("netcore", "default", {"region": "us"})
    loaded.save()
    assert Settings.load().get("netcore", "default", "region") == "us"


def test_unexpected_shapes_are_ignored_not_fatal(isolated_state: Path) -> None:
    isolated_state.mkdir(parents=True, exist_ok=True)
    (isolated_state / "settings.json").write_text(
        json.dumps(
            {
                "profiles": {"netcore": ["not", "a", "dict"], "octopush": {"default": {"api_login": 5}}},
                "last": "x",
            }
        ),
        encoding="utf-8",
    )
    loaded = Settings.load()
    assert loaded.profiles("netcore") == []
    assert loaded.get("octopush", "default", "api_login") == "5"
    assert loaded.last_used() == (None, None)
