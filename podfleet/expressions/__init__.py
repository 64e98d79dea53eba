"""Argo's two expression languages: govaluate (`when`) and expr-lang (`depends`, `{{= }}`, `expression:`)."""

from podfleet.expressions import exprlang, govaluate

__all__ = ["exprlang", "govaluate"]
