"""Producers: sources of reports → the reports topic (valid) or the dead-letter topic (refused)."""
