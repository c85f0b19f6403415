"""Tests of the browser harness itself (tests/harness.py, its fixtures in tests/conftest.py)."""

import os
import stat
import textwrap
from pathlib import Path

import pytest

from tests.harness import (
    _health,
    find_chromium,
    in_ci,
    skip_or_fail,
    start_app,
    stop_app,
    wait_for_app_idle,
)


def _executable(path):
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


# ----------------------------------------------------------------- Chromium resolution


def test_chromium_path_wins_when_it_exists(tmp_path):
    fake = _executable(tmp_path / "chromium")
    missing_default = str(tmp_path / "no-default")
    assert find_chromium({"CHROMIUM_PATH": fake}, default=missing_default) == (fake, "")


def test_default_chromium_used_without_override(tmp_path):
    default = _executable(tmp_path / "default-chromium")
    assert find_chromium({}, default=default) == (default, "")


def test_missing_override_falls_back_to_default(tmp_path):
    default = _executable(tmp_path / "default-chromium")
    env = {"CHROMIUM_PATH": str(tmp_path / "missing")}
    assert find_chromium(env, default=default) == (default, "")


def test_no_chromium_anywhere_gives_a_clear_reason(tmp_path):
    missing = str(tmp_path / "missing")
    default = str(tmp_path / "no-default")
    path, reason = find_chromium({"CHROMIUM_PATH": missing}, default=default)
    assert path is None
    assert missing in reason and default in reason
    assert "CHROMIUM_PATH" in reason and "chromium" in reason


def test_non_executable_file_is_not_a_browser(tmp_path):
    plain = tmp_path / "chromium"
    plain.write_text("not a browser")
    plain.chmod(0o644)
    if os.access(plain, os.X_OK):  # root may execute anything with any x bit; 0o644 has none
        pytest.skip("this file system reports 0o644 files as executable")
    assert find_chromium({}, default=str(plain))[0] is None


# ----------------------------------------------------------------- skip locally, fail in CI


@pytest.mark.parametrize("value", ["true", "TRUE", "1"])
def test_in_ci_true(value):
    assert in_ci({"CI": value})


@pytest.mark.parametrize("environ", [{}, {"CI": ""}, {"CI": "false"}, {"CI": "0"}])
def test_in_ci_false(environ):
    assert not in_ci(environ)


def test_missing_browser_skips_outside_ci():
    with pytest.raises(pytest.skip.Exception, match="no Chromium"):
        skip_or_fail("no Chromium at /nowhere", {})


def test_missing_browser_fails_under_ci():
    with pytest.raises(pytest.fail.Exception, match="no Chromium") as excinfo:
        skip_or_fail("no Chromium at /nowhere", {"CI": "true"})
    assert "CI=true" in str(excinfo.value)


def test_browser_fixture_obeys_ci(monkeypatch, tmp_path):
    """The browser fixture's decision, with the environment it would see."""
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "missing"))
    path, reason = find_chromium(default=str(tmp_path / "no-default"))
    assert path is None
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        skip_or_fail(reason)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        skip_or_fail(reason)


# ----------------------------------------------------------------- the server


def test_start_app_fails_with_the_server_log(tmp_path):
    missing_script = tmp_path / "no_such_app.py"
    with pytest.raises(pytest.fail.Exception, match="exited with code") as excinfo:
        start_app(script=missing_script, timeout=30)
    assert "no_such_app.py" in str(excinfo.value)


SLOW_APP = textwrap.dedent(
    """
    import os
    import time

    import streamlit as st

    st.title("harness probe")
    st.write("probe=" + os.environ.get("INITDASH_HARNESS_PROBE", "unset"))
    if st.button("work"):
        time.sleep(2)
        st.write("work done")
    """
)


@pytest.mark.browser
def test_start_app_env_and_wait_for_app_idle(tmp_path, page):
    script = tmp_path / "slow_app.py"
    script.write_text(SLOW_APP)
    url, proc = start_app(env={"INITDASH_HARNESS_PROBE": "hello"}, script=script)
    try:
        page.goto(url)
        wait_for_app_idle(page)
        assert page.get_by_text("probe=hello").is_visible()

        page.get_by_role("button", name="work").click()
        wait_for_app_idle(page)
        # No waiting here: if wait_for_app_idle returned before the 2 s run ended, this fails.
        assert page.get_by_text("work done").count() == 1
        assert page.page_errors == []
    finally:
        stop_app(proc)
    assert proc.poll() is not None
    assert _health(url) is None


def test_the_core_installs_without_the_dashboard():
    """pyproject: the package's own dependencies are numpy and pandas; Streamlit and Altair are
    the `dashboard` extra; requirements.txt (Community Cloud, the README) has all four with the
    same ranges."""
    import tomllib

    root = Path(__file__).resolve().parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    names = [d.split(">")[0].split("=")[0] for d in project["dependencies"]]
    assert names == ["numpy", "pandas"]
    extra = project["optional-dependencies"]["dashboard"]
    reqs = [
        line.strip()
        for line in (root / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert sorted(reqs) == sorted(project["dependencies"] + extra)
