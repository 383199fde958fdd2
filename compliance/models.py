"""Models arrive with the compliance issue; the app exists now so the layering contracts hold from day one."""
