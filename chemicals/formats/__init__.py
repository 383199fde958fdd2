"""Declaration formats: one pure module per format, registered in chemicals/formats/registry.py."""
