"""Backups of a whole installation: its database as portable rows plus the objects nothing
else can rebuild, in one versioned archive that restores onto any database and storage backend.

- :mod:`server.backup.archive`: the archive's format (layout, manifest, how values are written)
- :mod:`server.backup.create`: ``flask backup create``, a consistent snapshot
- :mod:`server.backup.restore`: ``flask backup restore``, into an empty installation
- :mod:`server.backup.cli`: the commands
"""
