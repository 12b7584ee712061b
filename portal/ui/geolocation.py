""" "Use my location": the browser's geolocation through a small inline component (no CDN, no
network: the script is the few lines below). The browser asks the person first; a refusal or a
phone without a fix comes back as an error code the page explains in words."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import streamlit as st

from portal.i18n import N_
from portal.ui.session import Viewer

ERRORS = {
    "denied": N_(
        "Your location was not shared (the browser or phone refused it). Please search for the "
        "address or click the place on the map."
    ),
    "unavailable": N_(
        "Your phone could not find where you are. Please search for the address or click the "
        "place on the map."
    ),
    "timeout": N_(
        "Finding your location took too long. Please try again, search for the address or click "
        "the place on the map."
    ),
}

_PIN = (  # a map pin drawn inline (no icon font, no emoji font needed on old phones)
    '<svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24"><path fill="currentColor" '
    'd="M12 2a7 7 0 0 0-7 7c0 5.25 7 13 7 13s7-7.75 7-13a7 7 0 0 0-7-7zm0 9.5A2.5 2.5 0 1 1 12 '
    '6.5a2.5 2.5 0 0 1 0 5z"/></svg>'
)
_HTML = (
    f'<button type="button" data-locate hidden>{_PIN}<span data-label></span></button>'
    '<span role="status" data-status></span>'
)
_CSS = """
button {
  display: inline-flex; align-items: center; gap: 0.4rem;
  min-height: 44px; padding: 0.4rem 1rem; border-radius: 0.5rem; cursor: pointer;
  font: inherit; font-size: 1rem; color: var(--st-text-color);
  background: var(--st-secondary-background-color);
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.3));
}
button[hidden] { display: none; }  /* the rule above would otherwise show it, empty */
button:focus-visible { outline: 3px solid var(--st-primary-color); outline-offset: 2px; }
button[disabled] { cursor: progress; opacity: 0.7; }
[data-status] { margin-left: 0.75rem; font-size: 0.95rem; }
"""
_JS = """
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const button = parentElement.querySelector("[data-locate]");
  const status = parentElement.querySelector("[data-status]");
  button.querySelector("[data-label]").textContent = data.label;
  button.hidden = false;  // shown once it has its words (never an empty button)
  const done = (value) => {
    button.disabled = false;
    status.textContent = "";
    setTriggerValue("fix", value);
  };
  button.onclick = () => {
    if (!navigator.geolocation) { done({ error: "unavailable" }); return; }
    button.disabled = true;
    status.textContent = data.waiting;
    navigator.geolocation.getCurrentPosition(
      (pos) => done({
        lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy,
      }),
      (err) => done({ error: err.code === 1 ? "denied" : err.code === 3 ? "timeout" : "unavailable" }),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  };
}
"""
_component = st.components.v2.component("linli_geolocate", html=_HTML, css=_CSS, js=_JS)


@dataclass(frozen=True)
class Fix:
    """Where the browser says the person is, or why it could not say."""

    lat: float | None = None
    lon: float | None = None
    accuracy: float | None = None  # metres, as the browser reports it
    error: str | None = None  # a key of ERRORS


def read_fix(raw: Any) -> Fix | None:
    """The component's value checked (it comes from the browser): None when nothing was sent."""
    if not isinstance(raw, dict):
        return None
    if "error" in raw:
        error = raw.get("error")
        return Fix(error=error if error in ERRORS else "unavailable")
    try:
        lat, lon = float(raw["lat"]), float(raw["lon"])
        accuracy = float(raw["accuracy"]) if raw.get("accuracy") is not None else None
    except (KeyError, TypeError, ValueError):
        return Fix(error="unavailable")
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return Fix(error="unavailable")
    if accuracy is not None and not (math.isfinite(accuracy) and accuracy >= 0):
        accuracy = None
    return Fix(lat, lon, accuracy)


def location_button(viewer: Viewer, key: str) -> Fix | None:
    """Draws the "Use my location" button; the fix on the run the browser answered, else None."""
    result = _component(
        key=key,
        data={
            "label": viewer.t(N_("Use my location")),
            "waiting": viewer.t(N_("Finding your location…")),
        },
        on_fix_change=lambda: None,
    )
    return read_fix(result.get("fix") if result is not None else None)
