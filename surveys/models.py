"""Models arrive with the surveys issue; the app exists now so the layering contracts hold from day one."""
