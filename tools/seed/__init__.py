"""Deterministic synthetic data: ``flask --app wsgi seed`` (see ``cli.py``).

``write_csvs`` streams fictitious LA County data to one CSV per import kind; ``seed_database``
loads those files through the importer (``run_import``), in dependency order, then adds the
pilot demo data. Same ``--seed``, ``--students`` and day: byte-identical files.
"""
from tools.seed.loader import seed_database
from tools.seed.writer import COLUMNS, DEFAULT_STUDENTS, KIND_ORDER, MIN_STUDENTS, write_csvs

__all__ = ["COLUMNS", "DEFAULT_STUDENTS", "KIND_ORDER", "MIN_STUDENTS", "seed_database", "write_csvs"]
