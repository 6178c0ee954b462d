"""Ships the top-level ``migrations/`` inside the wheel as ``mira/_migrations``.

The SQL lives at the repository root (one place to read the schema's history);
an installed package still needs it next to the code.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithMigrations(build_py):
    def run(self) -> None:
        super().run()
        src = Path(__file__).parent / "migrations"
        dst = Path(self.build_lib) / "mira" / "_migrations"
        dst.mkdir(parents=True, exist_ok=True)
        for sql in sorted(src.glob("*.sql")):
            shutil.copy2(sql, dst / sql.name)


setup(cmdclass={"build_py": BuildWithMigrations})
