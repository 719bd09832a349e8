"""The project file: one SQLite database (``*.bpproj``) holding everything a project knows."""

from blueprint_desktop.store.project import SCHEMA_VERSION, Project, ProjectInfo, create_project, open_project

__all__ = ["SCHEMA_VERSION", "Project", "ProjectInfo", "create_project", "open_project"]
