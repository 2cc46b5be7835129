"""tracecheck: log conformance checking against pyspec specifications (see docs/ once built).

It sits on pyspec's public API only; pyspec never imports it.
"""
