"""Helpers shared by the tests and the child processes they start."""
import importlib
import os
import random
import struct

GENERATED_MODULES = ("market", "frames", "everything", "common")


def generated_modules():
    """The generated schema modules that exist (generated/python/<name>.py)."""
    here = os.path.dirname(os.path.abspath(__file__))
    gen = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(here))), "generated", "python")
    names = sorted(f[:-3] for f in os.listdir(gen) if f.endswith(".py") and not f.startswith("_")) \
        if os.path.isdir(gen) else []
    return [importlib.import_module(n) for n in names]


def message_types(mod):
    """[(type_id, name, cls or None)] of a generated module."""
    return [(tid, name, cls) for tid, (name, cls) in sorted(mod.MESSAGES.items())]


_INT_RANGES = {"b": (-128, 127), "B": (0, 255), "h": (-2 ** 15, 2 ** 15 - 1), "H": (0, 2 ** 16 - 1),
               "i": (-2 ** 31, 2 ** 31 - 1), "I": (0, 2 ** 32 - 1), "l": (-2 ** 31, 2 ** 31 - 1),
               "L": (0, 2 ** 32 - 1), "q": (-2 ** 63, 2 ** 63 - 1), "Q": (0, 2 ** 64 - 1)}


def sample_values(cls, seed):
    """Deterministic values for every item of cls.STRUCT (in STRUCT order)."""
    rng = random.Random(seed)
    fmt = cls.STRUCT.format
    if isinstance(fmt, bytes):
        fmt = fmt.decode()
    values = []
    count = ""
    for ch in fmt:
        if ch in "<>=!@ ":
            continue
        if ch.isdigit():
            count += ch
            continue
        n = int(count) if count else 1
        count = ""
        if ch == "x":
            continue
        if ch == "s":
            values.append(bytes(rng.choice(b"ABCDEFGHXYZ") for _ in range(rng.randint(0, n))).ljust(n, b"\0"))
            continue
        for _ in range(n):
            if ch in "fd":
                values.append(rng.randint(-1000, 1000) / 8.0)
            elif ch == "e":
                values.append(rng.randint(-100, 100) / 4.0)
            elif ch == "?":
                values.append(rng.random() < 0.5)
            elif ch == "c":
                values.append(bytes([rng.randint(65, 90)]))
            else:
                lo, hi = _INT_RANGES[ch]
                values.append(rng.randint(lo, hi))
    return values


def sample_record(cls, seed):
    """(values, bytes) of one deterministic record of cls."""
    values = sample_values(cls, seed)
    return values, cls.STRUCT.pack(*values)


def normalize(obj):
    """to_dict() output made comparable (enum members to ints, tuples to lists)."""
    if isinstance(obj, dict):
        return {k: normalize(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [normalize(v) for v in obj]
    if hasattr(obj, "value") and isinstance(getattr(obj, "value"), int):
        return int(obj.value)
    return obj


def struct_of(fmt):
    return struct.Struct(fmt)
