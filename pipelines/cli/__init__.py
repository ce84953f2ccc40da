"""The ``samverkan`` command: one module per subcommand, wired in ``main``."""
