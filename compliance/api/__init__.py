"""REST API endpoints of the compliance app (see suppliers/api for the shared building blocks)."""
