"""The public demo community (seeded accounts share a known password and are marked is_demo).

Never part of a real deployment: `python3 -m portal.bootstrap demo` seeds it and serves the portal
with LINLI_DEMO=1, the only mode in which demo accounts may log in."""
