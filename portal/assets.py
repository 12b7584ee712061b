"""Files the portal serves itself (static serving): Leaflet and its plugins, and minority-script fonts.

Leaflet comes from the XStatic packages on PyPI, the fonts from the npm registry (@fontsource packages,
SIL OFL, installed by `npm ci` at setup); both are copied into static/ at setup and on start, so maps and
scripts work with no internet and no public CDN, whatever fonts the machine happens to have.
"""

from __future__ import annotations

import shutil
from pathlib import Path

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
# Served name → file of an npm package (the script's own subset, regular weight).
FONTS = {
    "NotoNaskhArabic-Regular.woff2": "@fontsource/noto-naskh-arabic/files/"
    "noto-naskh-arabic-arabic-400-normal.woff2",
    "NotoSerifTibetan-Regular.woff2": "@fontsource/noto-serif-tibetan/files/"
    "noto-serif-tibetan-tibetan-400-normal.woff2",
    "NotoSansYi-Regular.woff2": "@fontsource/noto-sans-yi/files/noto-sans-yi-yi-400-normal.woff2",
}


def _xstatic_dir(module: str) -> Path:
    package = __import__(f"xstatic.pkg.{module}", fromlist=["BASE_DIR"])
    return Path(package.BASE_DIR)


def install_static_assets(static_dir: Path, node_modules: Path = NODE_MODULES) -> list[str]:
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
    for name, package_file in FONTS.items():
        source = node_modules / package_file
        if (fonts / name).exists():
            continue
        if source.exists():
            shutil.copy2(source, fonts / name)
        else:
            missing.append(f"{name} (npm ci installs {package_file.split('/files/')[0]})")
    return missing


if __name__ == "__main__":
    from portal.config import load_settings

    lacking = install_static_assets(load_settings().static_dir)
    print("static assets ready" + (f"; missing: {', '.join(lacking)}" if lacking else ""))
