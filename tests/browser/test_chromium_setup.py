"""How the browser tier gets its chromium: found, installed with apt-get, skipped, or failed.

What this is: the decision in tests/browser/conftest.py's ``locate_chromium``, with the
file system and apt-get replaced: a binary that exists is used; a missing one is
installed when apt-get exists (and a failed install fails the run, it does not skip);
without apt-get the tier skips with the reason, except on CI, where it fails.
Fast: nothing is installed and no browser starts.
"""
from __future__ import annotations

import pytest

from . import conftest


@pytest.fixture
def no_chromium(monkeypatch):
    monkeypatch.setattr(conftest, "_find_chromium", lambda: None)
    return monkeypatch


def test_an_existing_binary_is_used(monkeypatch, tmp_path):
    monkeypatch.setattr(conftest, "_find_chromium", lambda: "/opt/chromium")
    assert conftest.locate_chromium(tmp_path) == "/opt/chromium"


def test_a_missing_binary_is_installed_with_apt(no_chromium, tmp_path):
    installed = []
    no_chromium.setattr(conftest.shutil, "which", lambda name: "/usr/bin/apt-get" if name == "apt-get" else None)

    def apt(log):
        installed.append(log)
        no_chromium.setattr(conftest, "_find_chromium", lambda: "/usr/bin/chromium")
        return "installed"

    no_chromium.setattr(conftest, "_apt_install", apt)
    assert conftest.locate_chromium(tmp_path) == "/usr/bin/chromium"
    assert installed == [tmp_path / "apt-get.log"]


def test_a_failed_install_fails_rather_than_skips(no_chromium, tmp_path):
    no_chromium.setattr(conftest.shutil, "which", lambda name: "/usr/bin/apt-get" if name == "apt-get" else None)
    no_chromium.setattr(conftest, "_apt_install", lambda log: "`apt-get install chromium` failed")
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium"):
        conftest.locate_chromium(tmp_path)


@pytest.mark.parametrize("ci", ["", "true"])
def test_without_apt_it_skips_except_on_ci(no_chromium, tmp_path, ci):
    no_chromium.setattr(conftest.shutil, "which", lambda name: None)
    no_chromium.setenv("CI", ci)
    expected = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(expected, match="no apt-get"):
        conftest.locate_chromium(tmp_path)
