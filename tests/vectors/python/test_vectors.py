"""Cross-language vectors against the generated Python (generated/python).

For every vector in tests/vectors/<schema>.json: the generated view decodes the
bytes to the expected field values; writing every field through the setters
into a zeroed buffer gives the bytes back exactly; the whole-record fast path
(pack_into / unpack_from) and the NumPy dtype agree with the same bytes. The
layout table inside each JSON file was written by hand (tests/vectors/
gen_vectors.py), so these tests check tachc's offsets, not restate them.
"""
import importlib
import importlib.util
import json
import math
import os
import py_compile
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
GEN = os.path.join(ROOT, "generated", "python")
VECTORS = os.path.join(ROOT, "tests", "vectors")
SCHEMAS = ("market", "frames", "common", "everything")
PACKAGE = "tachc_generated_under_test"


def load_package():
    """Imports generated/python as a package (the way the bindings use it),
    leaving no __pycache__ behind in the committed folder."""
    if PACKAGE not in sys.modules:
        sys.dont_write_bytecode = True
        spec = importlib.util.spec_from_file_location(
            PACKAGE, os.path.join(GEN, "__init__.py"), submodule_search_locations=[GEN])
        module = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = module
        spec.loader.exec_module(module)
    return sys.modules[PACKAGE]


def schema_module(schema):
    load_package()
    return importlib.import_module(PACKAGE + "." + schema)


def load_doc(schema):
    with open(os.path.join(VECTORS, schema + ".json")) as f:
        return json.load(f)


DOCS = {s: load_doc(s) for s in SCHEMAS}
CASES = [(s, i) for s in SCHEMAS for i in range(len(DOCS[s]["vectors"]))]
CASE_IDS = ["%s.%s[%d]" % (s, DOCS[s]["vectors"][i]["type"], i) for s, i in CASES]
STRUCT_CASES = [(s, name) for s in SCHEMAS for name in DOCS[s]["types"]["structs"]
                if DOCS[s]["types"]["structs"][name]["schema"] == s]


# ---- the type table -----------------------------------------------------------
class Types:
    def __init__(self, schema):
        doc = DOCS[schema]
        self.structs = doc["types"]["structs"]
        self.enums = doc["types"]["enums"]

    @staticmethod
    def split(t):
        m = re.fullmatch(r"(.+)\[(\d+)\]", t)
        return (m.group(1), int(m.group(2))) if m else (t, None)

    def prim(self, t):
        return self.enums[t]["underlying"] if t in self.enums else t

    def real_fields(self, name):
        return [f for f in self.structs[name]["fields"] if not f["type"].startswith("pad[")]


def view_class(schema, name, types):
    return getattr(schema_module(types.structs[name]["schema"]), name)


def enum_class(types, enum_name):
    for s in SCHEMAS:
        cls = getattr(schema_module(s), enum_name, None)
        if cls is not None:
            return cls
    raise AssertionError("no generated enum " + enum_name)


def json_float(v):
    return float(v) if isinstance(v, str) else float(v)


def same_float(got, want):
    if math.isnan(want):
        return math.isnan(got)
    return got == want and math.copysign(1.0, got) == math.copysign(1.0, want)


# ---- decode: bytes -> fields ----------------------------------------------------
def check_scalar(types, t, got, want, where):
    p = types.prim(t)
    if p in ("f32", "f64"):
        assert same_float(got, json_float(want)), "%s: got %r, want %r" % (where, got, want)
    elif p == "bool":
        assert got is want, "%s: got %r, want %r" % (where, got, want)
    else:
        assert int(got) == int(want), "%s: got %r, want %s" % (where, got, want)
        if t in types.enums:
            defined = {int(v) for v in types.enums[t]["values"].values()}
            if not types.enums[t]["flags"] and int(want) in defined:
                assert isinstance(got, enum_class(types, t)), "%s: %r is not a %s" % (where, got, t)


def check_value(types, t, got, want, where):
    base, n = Types.split(t)
    if base == "char":
        assert got == want, "%s: got %r, want %r" % (where, got, want)
    elif n is not None:
        assert len(got) == n == len(want), where
        for i in range(n):
            check_value(types, base, got[i], want[i], "%s[%d]" % (where, i))
    elif t in types.structs:
        check_struct(types, t, got, want, where)
    else:
        check_scalar(types, t, got, want, where)


def check_struct(types, name, view, want, where):
    for f in types.real_fields(name):
        check_value(types, f["type"], getattr(view, f["name"]), want[f["name"]], where + "." + f["name"])


@pytest.mark.parametrize("schema,index", CASES, ids=CASE_IDS)
def test_decode(schema, index):
    vec = DOCS[schema]["vectors"][index]
    types = Types(schema)
    cls = view_class(schema, vec["type"], types)
    data = bytes.fromhex(vec["hex"])
    assert len(data) == cls.SIZE
    check_struct(types, vec["type"], cls(data), vec["fields"], vec["type"])
    # the same view at an offset inside a larger, writable buffer
    buf = bytearray(7) + bytearray(data) + bytearray(3)
    check_struct(types, vec["type"], cls(memoryview(buf), offset=7), vec["fields"], vec["type"])


@pytest.mark.parametrize("schema,index", CASES, ids=CASE_IDS)
def test_to_dict(schema, index):
    vec = DOCS[schema]["vectors"][index]
    types = Types(schema)
    cls = view_class(schema, vec["type"], types)
    d = cls(bytes.fromhex(vec["hex"])).to_dict()
    assert set(d) == {f["name"] for f in types.real_fields(vec["type"])}
    check_struct(types, vec["type"], _Obj(d), vec["fields"], vec["type"] + ".to_dict()")


class _Obj:
    """Attribute access over a to_dict() result, nested dicts included."""

    def __init__(self, d):
        self._d = d

    def __getattr__(self, name):
        v = self._d[name]
        if isinstance(v, dict):
            return _Obj(v)
        if isinstance(v, list) and v and isinstance(v[0], dict):
            return [_Obj(x) for x in v]
        return v


# ---- encode: fields -> bytes ------------------------------------------------------
def scalar_from_json(types, t, want):
    p = types.prim(t)
    if p in ("f32", "f64"):
        return json_float(want)
    if p == "bool":
        return want
    return int(want)


def write_struct(types, name, view, want, elementwise):
    for f in types.real_fields(name):
        fname, t = f["name"], f["type"]
        base, n = Types.split(t)
        value = want[fname]
        if base == "char":
            setattr(view, fname, value)
        elif t in types.structs:
            write_struct(types, t, getattr(view, fname), value, elementwise)
        elif n is not None and base in types.structs:
            items = getattr(view, fname)
            for i in range(n):
                write_struct(types, base, items[i], value[i], elementwise)
        elif n is not None:
            values = [scalar_from_json(types, base, v) for v in value]
            if elementwise:
                items = getattr(view, fname)
                for i, v in enumerate(values):
                    items[i] = v
            else:
                setattr(view, fname, values)
        else:
            setattr(view, fname, scalar_from_json(types, t, value))


@pytest.mark.parametrize("elementwise", [False, True], ids=["whole-arrays", "element-by-element"])
@pytest.mark.parametrize("schema,index", CASES, ids=CASE_IDS)
def test_encode(schema, index, elementwise):
    vec = DOCS[schema]["vectors"][index]
    types = Types(schema)
    cls = view_class(schema, vec["type"], types)
    buf = bytearray(cls.SIZE + 5)
    write_struct(types, vec["type"], cls(buf, 5), vec["fields"], elementwise)
    assert buf[5:].hex() == vec["hex"]
    assert buf[:5] == bytes(5), "a setter wrote before the record"


# ---- the whole-record fast path ----------------------------------------------------
def flatten(types, t, want, out):
    """JSON values in STRUCT order: arrays and nested structs expanded."""
    base, n = Types.split(t)
    if base == "char":
        out.append(want.encode("utf-8"))
    elif n is not None:
        for v in want:
            flatten(types, base, v, out)
    elif t in types.structs:
        for f in types.real_fields(t):
            flatten(types, f["type"], want[f["name"]], out)
    else:
        out.append(scalar_from_json(types, t, want))
    return out


@pytest.mark.parametrize("schema,index", CASES, ids=CASE_IDS)
def test_pack_into_and_unpack_from(schema, index):
    vec = DOCS[schema]["vectors"][index]
    types = Types(schema)
    cls = view_class(schema, vec["type"], types)
    flat = flatten(types, vec["type"], vec["fields"], [])
    buf = bytearray(cls.SIZE + 3)
    cls.pack_into(buf, 3, *flat)
    assert buf[3:].hex() == vec["hex"]
    got = cls.unpack_from(bytes.fromhex(vec["hex"]))
    assert len(got) == len(flat)
    for g, w in zip(got, flat):
        if isinstance(w, float):
            assert same_float(g, w)
        elif isinstance(w, bytes):
            assert g.rstrip(b"\0") == w
        else:
            assert g == w


# ---- NumPy ---------------------------------------------------------------------------
def check_numpy(types, t, got, want, where):
    base, n = Types.split(t)
    if base == "char":
        assert bytes(got) == want.encode("utf-8"), where
    elif n is not None:
        for i in range(n):
            check_numpy(types, base, got[i], want[i], "%s[%d]" % (where, i))
    elif t in types.structs:
        for f in types.real_fields(t):
            check_numpy(types, f["type"], got[f["name"]], want[f["name"]], where + "." + f["name"])
    else:
        check_scalar(types, types.prim(t), got.item(), want, where)


@pytest.mark.parametrize("schema,index", CASES, ids=CASE_IDS)
def test_numpy_dtype(schema, index):
    np = pytest.importorskip("numpy")
    vec = DOCS[schema]["vectors"][index]
    types = Types(schema)
    cls = view_class(schema, vec["type"], types)
    data = bytes.fromhex(vec["hex"])
    arr = cls.array(data + data)  # two records, no copy
    assert arr.dtype.itemsize == cls.SIZE and len(arr) == 2
    assert not arr.flags.owndata
    check_numpy(types, vec["type"], arr[1], vec["fields"], vec["type"])
    assert np.frombuffer(data, dtype=cls.numpy_dtype()).tobytes() == data


# ---- layout, sizes and errors ----------------------------------------------------------
@pytest.mark.parametrize("schema,name", STRUCT_CASES, ids=["%s.%s" % c for c in STRUCT_CASES])
def test_layout_constants(schema, name):
    types = Types(schema)
    cls = view_class(schema, name, types)
    st = types.structs[name]
    assert cls.SIZE == st["size"]
    assert cls.STRUCT.size == st["size"]
    assert cls.OFFSETS == {f["name"]: f["offset"] for f in types.real_fields(name)}
    assert cls.FIELDS == tuple(f["name"] for f in types.real_fields(name))
    assert cls.FINGERPRINT != 0
    np = pytest.importorskip("numpy")
    dt = cls.numpy_dtype()
    assert dt.itemsize == st["size"]
    assert {k: v[1] for k, v in dt.fields.items()} == cls.OFFSETS
    assert isinstance(dt, np.dtype)


@pytest.mark.parametrize("schema,name", STRUCT_CASES, ids=["%s.%s" % c for c in STRUCT_CASES])
def test_short_buffer_is_an_error(schema, name):
    types = Types(schema)
    cls = view_class(schema, name, types)
    with pytest.raises(ValueError, match=name):
        cls(bytearray(cls.SIZE - 1))
    with pytest.raises(ValueError):
        cls(bytearray(cls.SIZE), offset=1)
    with pytest.raises(ValueError):
        cls(bytearray(cls.SIZE), offset=-1)
    cls(bytearray(cls.SIZE))  # exactly SIZE is fine


def test_text_too_long_is_an_error():
    market = schema_module("market")
    tick = market.MarketTick.new()
    tick.symbol = "ABCDEFGH"
    with pytest.raises(ValueError, match="symbol"):
        tick.symbol = "ABCDEFGHI"
    assert tick.symbol == "ABCDEFGH", "a refused write must leave the field as it was"


REFUSED = [(s, i) for s in SCHEMAS for i in range(len(DOCS[s]["text_refused"]))]
INVALID = [(s, i) for s in SCHEMAS for i in range(len(DOCS[s]["text_invalid"]))]


@pytest.mark.parametrize("schema,index", REFUSED, ids=["%s[%d]" % c for c in REFUSED])
def test_text_that_does_not_fit_is_refused(schema, index):
    """char[N] text is never cut (so never inside a code point): refused, nothing written."""
    vec = DOCS[schema]["text_refused"][index]
    types = Types(schema)
    cls = view_class(schema, vec["type"], types)
    buf = bytearray.fromhex(vec["hex"])
    view = cls(buf)
    with pytest.raises(ValueError, match=vec["field"]):
        setattr(view, vec["field"], vec["value"])
    assert buf.hex() == vec["hex"]


@pytest.mark.parametrize("schema,index", INVALID, ids=["%s[%d]" % c for c in INVALID])
def test_bytes_that_are_not_utf8_fail_to_read_as_text(schema, index):
    vec = DOCS[schema]["text_invalid"][index]
    types = Types(schema)
    cls = view_class(schema, vec["type"], types)
    view = cls(bytes.fromhex(vec["hex"]))
    with pytest.raises(UnicodeDecodeError):
        getattr(view, vec["field"])
    field = next(f for f in types.structs[vec["type"]]["fields"] if f["name"] == vec["field"])
    raw = bytes.fromhex(vec["hex"])[field["offset"]:field["offset"] + Types.split(field["type"])[1]]
    assert raw.rstrip(b"\0") == bytes.fromhex(vec["raw"])  # the bytes themselves are intact


def test_array_bounds_and_length():
    frames = schema_module("frames")
    f = frames.Frame.new()
    with pytest.raises(IndexError):
        f.samples[256]
    with pytest.raises(IndexError):
        f.samples[256] = 1.0
    f.samples[-1] = 2.5
    assert f.samples[255] == 2.5
    with pytest.raises(ValueError):
        f.samples = [0.0] * 255


@pytest.mark.parametrize("schema", SCHEMAS)
def test_messages(schema):
    mod = schema_module(schema)
    doc = DOCS[schema]
    expect = {m["id"]: (m["name"], m["payload"]) for m in doc["messages"]}
    assert {i: (n, c.__name__ if c else None) for i, (n, c) in mod.MESSAGES.items()} == expect
    assert [list(r) for r in mod.RESERVED] == doc["reserved"]
    assert mod.FINGERPRINT != 0
    for type_id, (name, payload) in expect.items():
        upper = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()
        assert getattr(mod, "MSG_" + upper) == type_id
        assert mod.message_name(type_id) == name
        if payload is None:
            assert mod.payload_size(type_id) == 0
            assert mod.decode(type_id, b"") is None
        else:
            cls = mod.MESSAGES[type_id][1]
            assert mod.payload_size(type_id) == cls.SIZE
            assert isinstance(mod.decode(type_id, bytearray(cls.SIZE)), cls)
            with pytest.raises(ValueError):
                mod.decode(type_id, bytearray(cls.SIZE - 1))
    unknown = max(list(expect) + [0]) + 1000
    assert mod.payload_size(unknown) == -1 and mod.message_name(unknown) is None
    with pytest.raises(ValueError, match="unknown type id"):
        mod.decode(unknown, bytearray(64))


def header_constant(schema, name):
    with open(os.path.join(ROOT, "generated", "c", schema + ".h")) as f:
        m = re.search(r"#define %s UINT64_C\((0x[0-9a-f]+)\)" % name, f.read())
    assert m, "no %s in generated/c/%s.h" % (name, schema)
    return int(m.group(1), 16)


@pytest.mark.parametrize("schema", SCHEMAS)
def test_fingerprints_match_the_c_header(schema):
    mod = schema_module(schema)
    assert mod.FINGERPRINT == header_constant(schema, schema.upper() + "_SCHEMA_FINGERPRINT")
    for name, st in DOCS[schema]["types"]["structs"].items():
        if st["schema"] == schema:
            upper = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()
            assert getattr(mod, name).FINGERPRINT == header_constant(schema, upper + "_FINGERPRINT")


def test_array_fields_as_numpy():
    pytest.importorskip("numpy")
    every = schema_module("everything")
    c = every.Collections.new()
    c.points[1].y = 2.5
    c.samples = [1, -2, 3, -4]
    pts = c.points.numpy()
    assert pts.shape == (2,) and pts[1]["y"] == 2.5
    samples = c.samples.numpy()
    assert samples.tolist() == [1, -2, 3, -4]
    samples[0] = 9  # a view over the record's bytes, not a copy
    assert c.samples[0] == 9


@pytest.mark.parametrize("schema", SCHEMAS)
def test_constants_and_enum_values(schema):
    """Every constant and enum member of the schema, against the hand-kept table."""
    mod = schema_module(schema)
    for k in DOCS[schema]["consts"]:
        got = getattr(mod, k["name"])
        if k["type"] in ("string", "bool") or k["type"].startswith("f"):
            assert got == k["value"] and type(got) is type(k["value"]), k["name"]
        else:
            assert got == int(k["value"]) and type(got) is int, k["name"]
    for name, e in DOCS[schema]["enums"].items():
        cls = getattr(mod, name)
        base = __import__("enum").IntFlag if e["flags"] else __import__("enum").IntEnum
        assert issubclass(cls, base), name
        assert {m.name: str(m.value) for m in cls} == e["values"] or e["flags"], name
        for member, value in e["values"].items():
            assert int(getattr(cls, member)) == int(value), "%s.%s" % (name, member)


def test_bool_is_normalised():
    every = schema_module("everything")
    raw = bytearray(every.Scalars.SIZE)
    raw[every.Scalars.OFFSETS["flag"]] = 2  # any non-zero byte reads as true
    view = every.Scalars(raw)
    assert view.flag is True
    view.flag = True
    assert raw[every.Scalars.OFFSETS["flag"]] == 1  # true is stored as 1
    view.flag = False
    assert raw[every.Scalars.OFFSETS["flag"]] == 0


def test_enums_and_flags():
    every = schema_module("everything")
    common = schema_module("common")
    assert every.Color.BLUE == 255 and every.Level.LOW == -32768
    assert every.Perm.READ | every.Perm.WRITE == 3
    assert issubclass(every.Perm, __import__("enum").IntFlag)
    assert common.Side.SELL == 2
    c = every.Collections.new()
    c.side = common.Side.SELL
    assert c.side is common.Side.SELL
    c.colors[1] = 7  # a value the schema does not define reads back as an int
    assert c.colors[1] == 7 and not isinstance(c.colors[1], every.Color)


@pytest.mark.parametrize("name", sorted(n for n in os.listdir(GEN) if n.endswith(".py")))
def test_generated_file_compiles(name, tmp_path):
    path = os.path.join(GEN, name)
    with open(path) as f:
        first = f.readline()
    assert first.startswith("# Generated by tachc ") and first.rstrip().endswith("DO NOT EDIT.")
    py_compile.compile(path, cfile=str(tmp_path / (name + "c")), doraise=True)


def test_generated_code_passes_pyflakes():
    pytest.importorskip("pyflakes")
    p = subprocess.run([sys.executable, "-m", "pyflakes", GEN], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_modules_import_without_the_package():
    """generated/python on sys.path, modules imported by their own names."""
    code = ("import sys; sys.path.insert(0, %r); import everything, market; "
            "assert everything.Collections.new().price.units == 0; "
            "assert market.decode(1, bytes(32)).price == 0.0" % GEN)
    p = subprocess.run([sys.executable, "-B", "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
