"""REST API endpoints of the chemicals app (see suppliers/api for the shared building blocks)."""
