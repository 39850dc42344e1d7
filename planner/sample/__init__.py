"""The bundled sample: a deterministic telesales history that mirrors the story.

:mod:`~planner.sample.catalog` holds the products, segments and grades;
:mod:`~planner.sample.generate` writes the files.
"""
