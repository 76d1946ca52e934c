"""The ``citygrid`` command: one entry point over the layers' own commands."""
