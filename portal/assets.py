"""Files the portal serves itself (static serving): Leaflet and its plugins, and minority-script fonts.

Leaflet comes from the XStatic packages on PyPI, fonts from Debian's fonts-noto-core; both are copied
into static/ at setup and on start, so maps and scripts work with no internet and no public CDN.
"""

from __future__ import annotations

import shutil
from pathlib import Path

FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"))
FONTS = ("NotoNaskhArabic-Regular.ttf", "NotoSerifTibetan-Regular.ttf", "NotoSansYi-Regular.ttf")


def _xstatic_dir(module: str) -> Path:
    package = __import__(f"xstatic.pkg.{module}", fromlist=["BASE_DIR"])
    return Path(package.BASE_DIR)


def install_static_assets(static_dir: Path) -> list[str]:
    """Copies what is missing; returns the names of what could not be found."""
    missing: list[str] = []
    for module, target in (("leaflet", "leaflet"), ("leaflet_markercluster", "markercluster")):
        dest = static_dir / "vendor" / target
        try:
            source = _xstatic_dir(module)
        except ImportError:
            missing.append(f"xstatic-{module}")
            continue
        if not (dest / "leaflet.js").exists() and not (dest / "leaflet.markercluster.js").exists():
            shutil.copytree(source, dest, dirs_exist_ok=True)
    heat = static_dir / "vendor" / "heat" / "leaflet-heat.js"
    if not heat.exists():  # folium ships the Leaflet.heat plugin among its templates
        import folium

        heat.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(folium.__file__).parent / "templates" / "leaflet_heat.min.js", heat)
    fonts = static_dir / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    for name in FONTS:
        if (fonts / name).exists():
            continue
        found = next((d / name for d in FONT_DIRS if (d / name).exists()), None)
        if found is None:
            missing.append(name)
        else:
            shutil.copy2(found, fonts / name)
    return missing


if __name__ == "__main__":
    from portal.config import load_settings

    lacking = install_static_assets(load_settings().static_dir)
    print("static assets ready" + (f"; missing: {', '.join(lacking)}" if lacking else ""))
