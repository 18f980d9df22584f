"""Faust agents, one per stage."""
