"""Models arrive with the chemicals issue; the app exists now so the layering contracts hold from day one."""
