#!/usr/bin/env bash
# Makes sure everything `make test` (or `make demo`) uses is here, on Debian or
# Ubuntu. As root it installs what is missing: system packages with apt-get
# (waiting for a held apt lock instead of failing), Python packages with pip into
# a virtual environment under build/ (never the system's or the user's
# site-packages, so PEP 668 systems work). As another user it names every
# missing system package with the one command that gets it, and fails.
#
#   .ci/deps.sh [test|demo|python] [--venv DIR]
#     test (default)  cc, make, flex, bison, g++, clang + libFuzzer, valgrind,
#                     pkg-config, nats-server, libnats-dev, python3 (venv,
#                     headers); venv: pytest numpy
#                     pyflakes setuptools wheel, and torch when TORCH=1
#     demo            cc, make, flex, bison, python3; venv: numpy setuptools
#                     wheel; cargo (the demo's consumer is Rust)
#     python          python3 (venv, headers); the venv of `test`
#   --venv DIR        the virtual environment (default build/venv)
#
# Rust (cargo 1.80+), Go (1.22+) and a JDK 22+ are newer than Debian 12 packages
# them, so they are not installed here; without them their suites are skipped
# with the command that gets them (CI has them).
set -u
cd "$(dirname "$0")/.." || exit 2
mode=test
venv=build/venv
while [ $# -gt 0 ]; do
    case "$1" in
        test|demo|python) mode=$1 ;;
        --venv) venv=$2; shift ;;
        --full) mode=test ;;  # the former spelling of the default
        *) echo "usage: .ci/deps.sh [test|demo|python] [--venv DIR]" >&2; exit 2 ;;
    esac
    shift
done
APT_LOCK_WAIT=${APT_LOCK_WAIT:-600}  # seconds to wait for another apt/dpkg run
BASE_PY=${PYTHON3:-python3}           # the interpreter the venv is made from

has() { command -v "$1" >/dev/null 2>&1; }
pkgs=()  # Debian packages to install
want() { pkgs+=("$1"); }

if [ "$mode" != python ]; then
    has cc || want gcc
    has make || want make
    has flex || want flex
    has bison || want bison
    # Without apt's recommends gcc comes without the C library's headers.
    if ! has cc || ! echo '#include <stdio.h>' | cc -E -x c - >/dev/null 2>&1; then
        want libc6-dev
    fi
fi
if ! has "$BASE_PY"; then
    want python3; want python3-venv; want python3-dev
else
    "$BASE_PY" -c "import ensurepip, venv" >/dev/null 2>&1 || want python3-venv
    "$BASE_PY" -c "import os, sysconfig; assert os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h'))" \
        >/dev/null 2>&1 || want python3-dev
fi
if [ "$mode" = test ]; then
    has g++ || want g++                  # the C++ check of tachyon.h
    has clang || want clang              # ASan+UBSan and TSan builds, libFuzzer
    has valgrind || want valgrind
    has pkg-config || want pkg-config    # the outside-project check of tachyon.pc
    # The Node.js binding (runtime/node): node with its headers, npm for typescript.
    has node || want nodejs
    has npm || want npm
    [ -f /usr/include/node/node_api.h ] || [ -n "$(node -p 'require("path").join(process.execPath, "../../include/node/node_api.h")' 2>/dev/null | xargs -r ls 2>/dev/null)" ] ||
        want libnode-dev
    # The Java and Kotlin suites build with Maven, worth installing when a JDK 22+
    # is here (runtime/java/scripts/jdk.sh looks for one; Debian 12 has none).
    if ! has mvn && (. runtime/java/scripts/jdk.sh && [ -z "$JDK_MISSING" ]); then
        want maven
    fi
    # tachyon-bridge and its tests: libnats and a NATS server.
    has nats-server || [ -x /usr/sbin/nats-server ] || want nats-server   # Debian puts it in /usr/sbin
    if ! has cc || ! echo '#include <nats/nats.h>' | cc -E -x c - >/dev/null 2>&1; then
        want libnats-dev
    fi
    # libFuzzer's runtime ships apart from clang: libclang-rt-N-dev (Debian 12,
    # Ubuntu 23.04+) or libclang-common-N-dev (older Ubuntu), N clang's major.
    probe=$(mktemp -d)
    echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' > "$probe/f.c"
    if ! has clang || ! clang -fsanitize=fuzzer -o "$probe/f" "$probe/f.c" >/dev/null 2>&1; then
        if has clang; then
            v=$(clang -dumpversion | cut -d. -f1)
        else
            v=$(apt-cache depends clang 2>/dev/null | sed -n 's/.*Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -n 1)
        fi
        if [ -z "$v" ]; then
            want libclang-rt-dev
        elif apt-cache show "libclang-rt-$v-dev" >/dev/null 2>&1; then
            want "libclang-rt-$v-dev"
        else
            want "libclang-common-$v-dev"
        fi
    fi
    rm -rf "$probe"
fi

if [ ${#pkgs[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && has apt-get; then
        echo "tachyon: installing ${pkgs[*]} with apt-get" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt=(apt-get -q -o "DPkg::Lock::Timeout=$APT_LOCK_WAIT")
        if ! "${apt[@]}" update >/dev/null || ! "${apt[@]}" install -y --no-install-recommends "${pkgs[@]}" >/dev/null; then
            echo "tachyon: apt-get install ${pkgs[*]} failed" >&2
            exit 1
        fi
    else
        echo "tachyon: missing ${pkgs[*]}; install with: sudo apt-get install ${pkgs[*]}" >&2
        exit 1
    fi
fi

if [ "$mode" = demo ] && ! has cargo; then
    echo "tachyon: missing cargo (Rust 1.80+; the demo's consumer is Rust); install with: curl --proto '=https' -sSf https://sh.rustup.rs | sh" >&2
    exit 1
fi

# The Python packages live in a virtual environment made from the system's
# python3; `make` uses its interpreter ($(PYTHON), default build/venv/bin/python).
py_mods=(numpy setuptools wheel)
[ "$mode" != demo ] && py_mods+=(pytest pyflakes)
[ "${TORCH:-0}" = 1 ] && py_mods+=(torch)
if [ ! -x "$venv/bin/python" ]; then
    echo "tachyon: creating the Python virtual environment $venv" >&2
    "$BASE_PY" -m venv "$venv" || { echo "tachyon: $BASE_PY -m venv $venv failed" >&2; exit 1; }
fi
missing=()
for mod in "${py_mods[@]}"; do
    "$venv/bin/python" -c "import $mod" >/dev/null 2>&1 || missing+=("$mod")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "tachyon: installing ${missing[*]} into $venv with pip" >&2
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "${missing[@]}" || {
        echo "tachyon: could not install ${missing[*]}; retry with: $venv/bin/python -m pip install ${missing[*]}" >&2
        exit 1; }
fi
exit 0
