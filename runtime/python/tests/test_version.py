"""The package's version is the repository's VERSION file, read by setup.py (the distribution's metadata) and by
tachyon.h (tachyon.__version__)."""
import importlib.metadata
import os

import pytest

import tachyon
from conftest import ROOT

VERSION_FILE = os.path.join(ROOT, "VERSION")


@pytest.mark.skipif(not os.path.isfile(VERSION_FILE), reason="not run from a Tachyon checkout (no VERSION file)")
def test_version_is_the_repository_version():
    with open(VERSION_FILE) as f:
        want = f.read().strip()
    assert want
    assert tachyon.__version__ == want
    assert importlib.metadata.version("tachyon-ipc") == want
