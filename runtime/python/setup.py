"""Builds the tachyon C extension.

The extension compiles libtachyon's C sources (../src/*.c, the runtime next to
this folder in the Tachyon repository) together with its own src/*.c, so
`pip install ./runtime/python` needs no prior `make`. Set TACHYON_SRC to point
at another checkout of runtime/ (the folder holding include/ and src/).
"""
import glob
import os
import sys

import shutil

from setuptools import Extension, setup
from setuptools.command.sdist import sdist

HERE = os.path.dirname(os.path.abspath(__file__))


def runtime_dir():
    candidates = [os.environ.get("TACHYON_SRC", ""), os.path.join(HERE, ".."), os.path.join(HERE, "_runtime")]
    for c in candidates:
        if c and os.path.isfile(os.path.join(c, "include", "tachyon.h")) and glob.glob(os.path.join(c, "src", "*.c")):
            return os.path.abspath(c)
    sys.exit("tachyon: cannot find libtachyon's sources (runtime/include/tachyon.h and runtime/src/*.c); "
             "build from the Tachyon repository (pip install ./runtime/python) or set TACHYON_SRC=/path/to/runtime")


RUNTIME = runtime_dir()


def runtime_list(name):
    """A `NAME := words` line of runtime/sources.mk: the runtime's one list of sources and C flags."""
    with open(os.path.join(RUNTIME, "sources.mk")) as f:
        for line in f:
            key, sep, value = line.partition(":=")
            if sep and key.strip() == name:
                return value.split()
    sys.exit("tachyon: %s not found in %s" % (name, os.path.join(RUNTIME, "sources.mk")))


lib_sources = [os.path.join(RUNTIME, "src", name) for name in runtime_list("TACHYON_SOURCES")]


def version():
    """The repository's VERSION file (next to runtime/; an sdist carries a copy at its top): the one version of
    Tachyon, which tachyon.h's TACHYON_VERSION and so tachyon.__version__ agree with."""
    path = os.path.join(RUNTIME, "..", "VERSION")
    if not os.path.isfile(path):
        sys.exit("tachyon: cannot find Tachyon's VERSION file at %s" % os.path.abspath(path))
    with open(path) as f:
        return f.read().strip()


extension = Extension(
    "tachyon._tachyon",
    sources=sorted(glob.glob(os.path.join("src", "*.c"))) + lib_sources,
    include_dirs=[os.path.join(RUNTIME, "include"), os.path.join(RUNTIME, "src")],
    define_macros=[("_GNU_SOURCE", "1")],
    depends=[os.path.join(RUNTIME, "include", "tachyon.h")] + glob.glob(os.path.join(RUNTIME, "src", "*.h"))
    + glob.glob(os.path.join("src", "*.h")),
    extra_compile_args=runtime_list("TACHYON_CFLAGS") + ["-O2", "-Wno-unused-parameter"],
)

class SDistWithRuntime(sdist):
    """An sdist carries libtachyon's sources in _runtime/, so it builds away from the repository."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        for sub in ("include", "src"):
            dst = os.path.join(base_dir, "_runtime", sub)
            os.makedirs(dst, exist_ok=True)
            for f in glob.glob(os.path.join(RUNTIME, sub, "*.[ch]")):
                shutil.copy2(f, dst)
        shutil.copy2(os.path.join(RUNTIME, "sources.mk"), os.path.join(base_dir, "_runtime"))
        shutil.copy2(os.path.join(RUNTIME, "..", "VERSION"), base_dir)  # _runtime/../VERSION


setup(version=version(), ext_modules=[extension], cmdclass={"sdist": SDistWithRuntime})
