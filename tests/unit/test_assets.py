"""Fonts and map scripts the portal serves itself come from package registries, not the machine."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from portal import assets
from portal.config import ROOT


def _fake_node_modules(folder: Path) -> Path:
    for package_file in assets.FONTS.values():
        path = folder / package_file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"wOF2" + package_file.encode())
    return folder


def test_fonts_are_copied_from_the_npm_packages(tmp_path):
    modules = _fake_node_modules(tmp_path / "node_modules")
    missing = assets.install_static_assets(tmp_path / "static", node_modules=modules)
    assert not [m for m in missing if "woff2" in m]
    for name, package_file in assets.FONTS.items():
        served = tmp_path / "static" / "fonts" / name
        assert served.read_bytes() == b"wOF2" + package_file.encode()


def test_a_missing_font_package_is_named(tmp_path):
    missing = assets.install_static_assets(tmp_path / "static", node_modules=tmp_path / "none")
    assert sorted(m.split(" ")[0] for m in missing if "woff2" in m) == sorted(assets.FONTS)
    assert any("@fontsource/noto-sans-yi" in m for m in missing)


def test_every_theme_font_face_is_a_served_font():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    urls = {face["url"] for face in config["theme"]["fontFaces"]}
    assert urls == {f"app/static/fonts/{name}" for name in assets.FONTS}


def test_the_locked_npm_packages_hold_the_font_files():
    modules = ROOT / "node_modules"
    if not (modules / "@fontsource").exists():
        pytest.skip("npm packages not installed (python3 -m portal.bootstrap test installs them)")
    for package_file in assets.FONTS.values():
        data = (modules / package_file).read_bytes()
        assert data[:4] == b"wOF2", package_file
