"""Errors of the dashboards package."""

from rasd.errors import RasdError


class DashboardImportError(RasdError):
    """Kibana could not be reached, or refused some of the saved objects."""


class SavedObjectsError(RasdError):
    """The saved-objects file is unreadable, or its references or fields do not resolve."""
