"""The README's Python examples run as written, listener first: those of
runtime/python/README.md (the text of the top-level README's Python section)
and, once it is copied there, those of the top-level README.md."""
import os
import re

import pytest

from conftest import HERE, ROOT, finish, spawn

READMES = [os.path.join(os.path.dirname(HERE), "README.md"), os.path.join(ROOT, "README.md")]
EXPECTED = {
    "hello": "1 b'hello tachyon'\n",
    "zero_copy": "42 b'sent in place'\n",
    "dlpack": "(256,) [0. 1. 2. 3.]\n",
    "records": "1000 249750.0\n",
    "arrays": "1536.0\n",
}


def examples(path):
    found = {}
    if not os.path.exists(path):
        return found
    text = open(path).read()
    for name, role, code in re.findall(r"<!-- example: (\w+) (listener|connector) -->\n```python\n(.*?)```", text,
                                       re.S):
        found.setdefault(name, {})[role] = code
    return found


EXAMPLES = {}
for _path in READMES:
    for _name, _roles in examples(_path).items():
        EXAMPLES["%s:%s" % (os.path.relpath(_path, ROOT), _name)] = _roles


def test_readme_has_the_examples():
    names = {key.split(":")[1] for key in EXAMPLES if key.startswith("runtime/")}
    assert names >= {"hello", "zero_copy", "dlpack", "typed", "records"}
    assert all(set(roles) == {"listener", "connector"} for roles in EXAMPLES.values())


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_readme_example(key, tmpdir_path):
    name = key.split(":")[1]
    roles = {role: code.replace("/tmp/", tmpdir_path + "/") for role, code in EXAMPLES[key].items()}
    listener = spawn(roles["listener"], cwd=ROOT)
    connector = spawn(roles["connector"], cwd=ROOT)
    c_code, _, c_err = finish(connector)
    l_code, out, l_err = finish(listener)
    assert c_code == 0, c_err
    assert l_code == 0, l_err
    if name in EXPECTED:
        assert out == EXPECTED[name]
    elif name == "typed":
        lines = out.splitlines()
        assert len(lines) == 2
        assert lines[0].startswith("Bid BTCUSDT 64000.5 3")
        assert lines[1].startswith("Ask ETHUSDT 3012.25 7")


@pytest.mark.skipif(not os.path.isfile(READMES[1]), reason="not run from a Tachyon checkout (no top-level README.md)")
def test_package_readme_is_the_python_section():
    """runtime/python/README.md (the package's long description) is the top-level README's Python section."""
    with open(READMES[1]) as f:
        section = re.search(r"^## Python\n.*?(?=^## )", f.read(), re.S | re.M)
    with open(READMES[0]) as f:
        package = f.read()
    assert section, "the top-level README has no '## Python' section"
    assert package.strip() == section.group(0).strip(), \
        "runtime/python/README.md differs from README.md's Python section: copy the section over"
