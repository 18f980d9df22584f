"""One source per module, registered by name."""
