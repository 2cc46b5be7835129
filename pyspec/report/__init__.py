"""Renderers: a `Result` or a `ProofResult` as text for people and as JSON for machines; the
HTML timelines live in `pyspec.report.timeline_html`.

    from pyspec import load, bmc
    from pyspec.report import render_text
    print(render_text(bmc(load("specs/leader_election.spec", {"FD": "S"}), 8)))
"""

from pyspec.report.proof import proof_to_json, render_proof_json, render_proof_text
from pyspec.report.result import render_json, render_text, to_json

__all__ = ["render_text", "render_json", "to_json", "render_proof_text", "render_proof_json", "proof_to_json"]
