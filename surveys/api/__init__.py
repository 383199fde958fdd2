"""REST API endpoints of the surveys app (see suppliers/api for the shared building blocks)."""
