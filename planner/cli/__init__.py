"""The ``planner`` command: argument definitions and handlers, thin over :mod:`planner.api`.

:mod:`~planner.cli.main` declares the subcommands and turns library errors into a
one-line message and an exit code; :mod:`~planner.cli.handlers` and
:mod:`~planner.cli.compare` call the API and print.
"""
