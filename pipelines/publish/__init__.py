"""Publishing: immutable, atomically visible snapshots with a manifest, and their checks."""
