"""Build step: copy the top-level ``scenarios/``, ``experiments/`` and ``examples/`` folders into
the wheel as ``qisim/_data/...`` (package data found by :mod:`qisim.resources`), so a plain
``pip install`` carries the example scenarios, lessons, plans and the example trust, while the
repository keeps them where its users look for them. Everything else is in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
FOLDERS = ("scenarios", "experiments", "examples")
KEEP = ("*.toml", "*.csv", "*.xlsx", "*.md")


class BuildWithData(build_py):
    def run(self):
        super().run()
        if self.editable_mode:
            return  # an editable install reads the checkout's folders directly
        for folder in FOLDERS:
            src = HERE / folder
            if not src.is_dir():
                continue
            dest = Path(self.build_lib) / "qisim" / "_data" / folder
            for pattern in KEEP:
                for path in src.rglob(pattern):
                    target = dest / path.relative_to(src)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target)


setup(cmdclass={"build_py": BuildWithData})
