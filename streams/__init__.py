"""Faust stream processors: thin agents over the rasd core."""
