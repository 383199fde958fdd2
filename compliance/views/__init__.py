"""Certificate pages: the supplier's and staff's (certificates.py) and the public check (verify.py)."""
