"""One router per resource: health, reports, search, signals."""
