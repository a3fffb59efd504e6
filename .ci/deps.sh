#!/usr/bin/env bash
# Makes sure the tools Tachyon builds with are here. Installs what is missing
# when it may (root with apt-get, pip for Python packages); otherwise names the
# missing tool and the command that gets it, in one line, and fails.
#   .ci/deps.sh            build tools (cc, make, flex, bison) + Python test packages
#   .ci/deps.sh --full     also clang and valgrind (sanitizer and leak runs)
set -u
full=0
[ "${1:-}" = "--full" ] && full=1

need_apt=()
for tool in cc make flex bison; do
    command -v "$tool" >/dev/null 2>&1 || need_apt+=("$tool")
done
if [ $full = 1 ]; then
    command -v clang >/dev/null 2>&1 || need_apt+=(clang)
    command -v valgrind >/dev/null 2>&1 || need_apt+=(valgrind)
    # libFuzzer's runtime, for the fuzz smoke runs (Debian 12's clang is 14).
    if command -v dpkg-query >/dev/null 2>&1 && ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "ok installed"; then
        need_apt+=(libclang-rt-14-dev)
    fi
fi
if [ ${#need_apt[@]} -gt 0 ]; then
    pkgs=()
    for t in "${need_apt[@]}"; do
        case "$t" in cc) pkgs+=(gcc) ;; make) pkgs+=(make) ;; *) pkgs+=("$t") ;; esac
    done
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "tachyon: installing ${pkgs[*]} with apt-get" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null && apt-get install -y -qq "${pkgs[@]}" >/dev/null || {
            echo "tachyon: apt-get install ${pkgs[*]} failed" >&2; exit 1; }
    else
        echo "tachyon: missing ${need_apt[*]}; install with: sudo apt-get install ${pkgs[*]}" >&2
        exit 1
    fi
fi

PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null 2>&1; then
    echo "tachyon: missing python3; install with: sudo apt-get install python3 python3-pip" >&2
    exit 1
fi
missing_py=()
for mod in pytest numpy setuptools wheel; do
    "$PY" -c "import $mod" >/dev/null 2>&1 || missing_py+=("$mod")
done
if [ ${#missing_py[@]} -gt 0 ]; then
    echo "tachyon: installing Python packages ${missing_py[*]} with pip" >&2
    "$PY" -m pip install -q "${missing_py[@]}" 2>&1 | grep -v -i "warning: running pip as" >&2
    for mod in "${missing_py[@]}"; do
        "$PY" -c "import $mod" >/dev/null 2>&1 || {
            echo "tachyon: could not install $mod; install with: $PY -m pip install $mod" >&2; exit 1; }
    done
fi
exit 0
