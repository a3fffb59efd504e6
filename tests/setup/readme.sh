#!/usr/bin/env bash
# tests/setup/readme.sh BUILD_DIR - the README's snippets, run as written.
#
# Every README block marked `<!-- snippet: NAME -->` that shows a program or its
# output is checked here: a program against the file it says it is, a command
# against the output the README prints under it. The outside-project cases start
# from an empty folder outside the repository and follow the README's
# "Using Tachyon from another project" to the letter:
#   readme/market-schema      the schema shown is schemas/market.tach
#   readme/c-hello            the C program shown is examples/c_hello/hello.c, and the
#                             README's build command prints what the README shows
#   readme/tachc-error        tachc's errors for the README's bad.tach, exit status 1
#   readme/tachc-layout       tachc layout's byte map
#   readme/rust-hello         the Rust program is examples/hello.rs and prints the output shown
#   readme/rust-rpc           the Rust RPC program is runtime/rust/examples/rpc.rs (the rust
#                             suite runs it and checks what it prints)
#   readme/go-hello           the Go program prints the output shown
#   outside/c                 make install PREFIX=$HOME/.local, pkg-config, the hello program;
#                             then the installed tachc's header for a schema of our own
#   outside/python            pip install from the repository, an sdist and a wheel
#                             (python -m build), each in a new venv passing a message
#   outside/rust              a crate with tachyon-ipc as a path dependency and the
#                             generated views as `pub mod`, built with -D warnings
#   outside/go                a module with the README's require/replace lines and views
#                             from tachc --go-module (a schema importing another):
#                             go mod tidy, go vet, go run
#   outside/node              npm pack, npm install of the tarball, a message through it
#   outside/java              mvn install of runtime/java, a Maven project depending on it
# Socket names are made unique per run; nothing else in a snippet is changed,
# except /path/to/tachyon, which becomes this repository.
# Prints PASS:/FAIL:/SKIP: lines; exits 1 if any case failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
REPO=$PWD
BUILD=${1:-build}
ABS_BUILD=$(cd "$BUILD" && pwd)
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tachyon-readme.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
TAG="$$-$RANDOM"
FAILED=0
pass() { echo "PASS: $1"; }
skip() { echo "SKIP: $1 ($2)"; }
fail() { echo "FAIL: $1"; shift; printf '%s\n' "$@" | tail -n 30 | sed 's/^/    /'; FAILED=1; }
snip() { "$PYTHON" "$REPO/tests/setup/snippet.py" "$@" "$REPO/README.md"; }
# same NAME WANT GOT: pass when the two texts are equal, else show both.
same() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected:" "$2" "got:" "$3"; fi
}
# last_shows COMMANDS: one command a line, with a marker before the last one:
# the README shows only what the last command prints (snippet.py --script does
# the same for a whole snippet).
last_shows() { sed '$i echo @@output@@' <<<"$1"; }
# in_repo TEXT: the text with /path/to/tachyon pointing at this repository.
in_repo() { sed "s|/path/to/tachyon|$REPO|g" <<<"$1"; }
export TACHYON=$REPO

# ---- the README's own programs and outputs ----------------------------------
if diff -u runtime/rust/examples/rpc.rs <(snip rust-rpc) >"$WORK/diff" 2>&1; then
    pass "readme/rust-rpc"
else
    fail "readme/rust-rpc" "the README's program is not runtime/rust/examples/rpc.rs:" "$(cat "$WORK/diff")"
fi
if diff -u schemas/market.tach <(snip market-schema) >"$WORK/diff" 2>&1; then
    pass "readme/market-schema"
else
    fail "readme/market-schema" "$(cat "$WORK/diff")"
fi

sed "s/@tachyon-hello/@tachyon-hello-$TAG/" examples/c_hello/hello.c > "$WORK/hello.c"
if ! diff -u examples/c_hello/hello.c <(snip c-hello) >"$WORK/diff" 2>&1; then
    fail "readme/c-hello" "the README's program is not examples/c_hello/hello.c:" "$(cat "$WORK/diff")"
else
    cmd=$(snip c-hello-run --commands)
    cmd=${cmd//examples\/c_hello\/hello.c/$WORK/hello.c}
    cmd=${cmd//build\/hello/$WORK/hello}
    cmd=${cmd//build\/lib/$BUILD/lib}
    # The README shows what the program prints, not make's progress lines.
    if [[ "$cmd" == "make && "* ]]; then
        make_out=$(make -s --no-print-directory BUILD="$BUILD" 2>&1) || fail "readme/c-hello" "make failed:" "$make_out"
        cmd=${cmd#make && }
    fi
    if out=$(bash -c "$cmd" 2>&1); then
        same "readme/c-hello" "$(snip c-hello-run --output)" "$out"
    else
        fail "readme/c-hello" "$cmd" "$out"
    fi
fi

# bad.tach: schemas/market.tach with quantity moved to @12, as the README says.
mkdir -p "$WORK/tachc"
sed 's/quantity  @16/quantity  @12/' schemas/market.tach > "$WORK/tachc/bad.tach"
cmd=$(snip tachc-error --commands)
cmd=${cmd//build\/tachc/$ABS_BUILD/tachc}
cmd=${cmd//\/tmp\/out/$WORK/tachc/out}
out=$(cd "$WORK/tachc" && bash -c "$cmd" 2>&1)
status=$?
if [ $status != 1 ]; then
    fail "readme/tachc-error" "exit status $status, expected 1" "$out"
elif [ -e "$WORK/tachc/out" ]; then
    fail "readme/tachc-error" "tachc wrote $WORK/tachc/out despite the errors"
else
    same "readme/tachc-error" "$(snip tachc-error --output)" "$out"
fi

cmd=$(snip tachc-layout --commands)
if out=$(bash -c "${cmd//build\/tachc/$ABS_BUILD/tachc}" 2>&1); then
    same "readme/tachc-layout" "$(snip tachc-layout --output)" "$out"
else
    fail "readme/tachc-layout" "$out"
fi

# ---- outside: C through make install and pkg-config --------------------------
mkdir -p "$WORK/home" "$WORK/c"
cp "$WORK/hello.c" "$WORK/c/hello.c"
if out=$(cd "$WORK/c" && HOME=$WORK/home BUILD=$BUILD bash -ec "$(snip outside-c --script)" 2>&1); then
    same "outside/c" "$(snip outside-c --output)" "${out##*@@output@@$'\n'}"
else
    fail "outside/c" "$out"
fi
PREFIX=$WORK/home/.local
cat > "$WORK/c/probe.tach" <<'EOF'
schema probe;
struct Reading size 16 {
    sensor @0 : char[4];
    _      @4 : pad[4];
    value  @8 : f64;
}
messages { 1 = Sample : Reading; }
EOF
cat > "$WORK/c/reading.c" <<'EOF'
#include <stdio.h>
#include "tachyon.h"
#include "probe.h"
int main(void)
{
    unsigned char buf[READING_SIZE];
    reading_clear(buf);
    if (reading_set_sensor(buf, "T1") != 0)
        return 1;
    reading_set_value(buf, 21.5);
    const void *r = probe_decode(PROBE_MSG_SAMPLE, buf, sizeof buf);
    char sensor[5];
    reading_get_sensor(r, sensor, sizeof sensor);
    if (tachyon_strerror(TACHYON_ERR_TIMEOUT) == NULL)   /* linked against the installed library */
        return 1;
    printf("%s %s %.1f\n", probe_message_name(PROBE_MSG_SAMPLE), sensor, reading_get_value(r));
    return 0;
}
EOF
if out=$(cd "$WORK/c" && export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig &&
         "$PREFIX/bin/tachc" gen --lang c --out gen probe.tach 2>&1 &&
         cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags tachyon) -Igen/c reading.c \
            $(pkg-config --libs tachyon) -Wl,-rpath,"$PREFIX/lib" -o reading 2>&1 && ./reading 2>&1); then
    same "outside/c-tachc" "Sample T1 21.5" "$out"
else
    fail "outside/c-tachc" "$out"
fi

# ---- outside: Python through pip ---------------------------------------------
# py_roundtrip VENV: one message between two processes with the package that
# VENV holds, run from the scratch folder so the repository is not on sys.path.
py_roundtrip() {
    (cd "$WORK" && "$1/bin/python" - "$WORK/py-$TAG-$RANDOM.sock" <<'EOF'
import os
import subprocess
import sys
import tachyon
assert os.path.realpath(tachyon.__file__).startswith(os.path.realpath(sys.prefix)), tachyon.__file__
connector = subprocess.Popen([sys.executable, "-c",
    "import sys, tachyon\n"
    "with tachyon.Bus.connect(sys.argv[1]) as bus:\n"
    "    bus.send(b'hello tachyon', type_id=1)\n", sys.argv[1]])
with tachyon.Bus.listen(sys.argv[1], 1 << 16) as bus:
    msg = next(iter(bus))
    print(msg.type_id, msg.data)
sys.exit(connector.wait())
EOF
    ) 2>&1
}
mkdir -p "$WORK/py"
if out=$(cd "$WORK/py" && bash -ec "$(snip outside-python --commands)" 2>&1); then
    for v in venv venv-sdist venv-wheel; do
        same "outside/python ($v)" "1 b'hello tachyon'" "$(py_roundtrip "$WORK/py/$v")"
    done
else
    fail "outside/python" "$out"
fi

# ---- outside: Rust through a path dependency ----------------------------------
if command -v cargo >/dev/null 2>&1; then
    mkdir -p "$WORK/rust/src/bin"
    { printf '[package]\nname = "outside"\nversion = "0.1.0"\nedition = "2021"\n\n'; in_repo "$(snip outside-rust-toml)"; } \
        > "$WORK/rust/Cargo.toml"
    in_repo "$(snip outside-rust)" | sed "s/@tachyon-demo-typed/@tachyon-demo-typed-$TAG/" > "$WORK/rust/src/main.rs"
    snip rust-hello | sed "s|/tmp/demo_rust.sock|$WORK/rust.sock|" > "$WORK/rust/src/bin/hello.rs"
    cargo_run() { (cd "$WORK/rust" && CARGO_TARGET_DIR="$ABS_BUILD/cargo-outside" RUSTFLAGS="-D warnings" cargo run --quiet "$@" 2>&1); }
    if out=$(cargo_run --bin outside); then
        same "outside/rust" "$(snip outside-rust-run --output)" "$out"
    else
        fail "outside/rust" "$out"
    fi
    if ! diff -u runtime/rust/examples/hello.rs <(snip rust-hello) >"$WORK/diff" 2>&1; then
        fail "readme/rust-hello" "the README's program is not runtime/rust/examples/hello.rs:" "$(cat "$WORK/diff")"
    elif out=$(cargo_run --bin hello); then
        same "readme/rust-hello" "$(snip rust-hello-run --output)" "$out"
    else
        fail "readme/rust-hello" "$out"
    fi
else
    skip "outside/rust" "cargo not installed"
    skip "readme/rust-hello" "cargo not installed"
fi

# ---- outside: Go through a module ---------------------------------------------
if command -v go >/dev/null 2>&1; then
    mkdir -p "$WORK/go/bin" && cd "$WORK/go" || exit 2
    ln -s "$ABS_BUILD/tachc" bin/tachc
    cp "$REPO/schemas/market.tach" my.tach
    mapfile -t steps < <(cd "$REPO" && snip outside-go --commands)
    snip_go_hello=$(cd "$REPO" && snip go-hello)
    sed "s/@demo_go/@demo_go-$TAG/" <<<"$snip_go_hello" > main.go
    # Step 1 makes go.mod; then the Go section's lines go in; then the rest.
    if out=$(bash -ec "${steps[0]}" 2>&1) && in_repo "$(cd "$REPO" && snip go-mod)" >> go.mod &&
       out=$(PATH=$WORK/go/bin:$PATH bash -ec "$(last_shows "$(printf '%s\n' "${steps[@]:1}")")" 2>&1); then
        out=${out##*@@output@@$'\n'}
        same "outside/go" "$(cd "$REPO" && snip outside-go --output)" "$out"
        same "readme/go-hello" "$(cd "$REPO" && snip go-hello-run --output)" "$out"
    else
        fail "outside/go" "$out"
    fi
    # A schema that imports another: the import path follows --go-module.
    if out=$(bin/tachc gen --lang go --go-module example.com/app/gen/go --out gen "$REPO/schemas/everything.tach" 2>&1) &&
       out=$(go vet ./gen/... 2>&1) && grep -q '"example.com/app/gen/go/common"' gen/go/everything/everything.go; then
        pass "outside/go-imports"
    else
        fail "outside/go-imports" "$out"
    fi
    cd "$REPO" || exit 2
else
    skip "outside/go" "go not installed"
    skip "readme/go-hello" "go not installed"
fi
# ---- outside: Node.js through npm pack ----------------------------------------
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    mkdir -p "$WORK/node"
    # hello.js: listen, connect, one message, as the README's last command runs it.
    cat > "$WORK/node/hello.js" <<EOF
const { Bus } = require('tachyon');
const path = '@tachyon-node-outside-$TAG';
(async () => {
  const listening = Bus.listen(path, 1 << 16);
  const out = await Bus.connect(path);
  const bus = await listening;
  await out.send(Buffer.from('hello tachyon'), 1);
  out.close();
  for await (const msg of bus) console.log(msg.typeId, msg.data.toString());
  bus.close();
})().catch((e) => { console.error(e); process.exit(1); });
EOF
    if out=$(cd "$WORK/node" && bash -ec "$(snip outside-node --script)" 2>&1); then
        same "outside/node" "$(snip outside-node --output)" "${out##*@@output@@$'\n'}"
    else
        fail "outside/node" "$out"
    fi
else
    skip "outside/node" "node or npm not installed"
fi
# ---- outside: Java through mvn install ----------------------------------------
# The README's commands run on a copy of runtime/java (the java suite may be
# building the original at the same time) and with this clone's libtachyon;
# ~/.m2 is a folder of this build, so the first run downloads Maven's plugins.
. runtime/java/scripts/jdk.sh
if [ -z "$JDK_MISSING" ] && command -v mvn >/dev/null 2>&1; then
    mkdir -p "$WORK/tachyon/runtime" "$WORK/tachyon/build" "$WORK/jhome/.m2" "$ABS_BUILD/m2-outside" "$WORK/java/src/main/java"
    cp -r runtime/java "$WORK/tachyon/runtime/java" && rm -rf "$WORK/tachyon/runtime/java/target"
    ln -s "$ABS_BUILD/lib" "$WORK/tachyon/build/lib"
    ln -s "$ABS_BUILD/m2-outside" "$WORK/jhome/.m2/repository"
    cat > "$WORK/java/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>outside</artifactId>
  <version>1.0</version>
  <properties>
    <maven.compiler.release>22</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
$(snip outside-java-pom)
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.13.0</version>
      </plugin>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-resources-plugin</artifactId>
        <version>3.3.1</version>
      </plugin>
    </plugins>
  </build>
</project>
EOF
    cat > "$WORK/java/src/main/java/Main.java" <<EOF
import io.tachyon.*;
import java.lang.foreign.ValueLayout;

public class Main {
    public static void main(String[] args) throws Exception {
        String path = "@tachyon-java-outside-$TAG";
        Thread consumer = new Thread(() -> {
            try (Bus bus = Bus.listen(path, 1 << 16); Message msg = bus.receive()) {
                long value = msg.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                System.out.println(msg.typeId() + ": " + msg.size() + " bytes, " + value);
            }
        });
        consumer.start();
        try (Bus bus = Bus.connect(path)) {
            try (Tx tx = bus.acquireTx(32)) {
                tx.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 42L);
                tx.commit(32, 1);
            }
            bus.flush();
        }
        consumer.join();
    }
}
EOF
    # Maven finds ~/.m2 through Java's user.home, not $HOME.
    if out=$(cd "$WORK/java" && HOME=$WORK/jhome MAVEN_OPTS="-Duser.home=$WORK/jhome" TACHYON=$WORK/tachyon bash -ec "$(snip outside-java --script)" 2>&1); then
        same "outside/java" "$(snip outside-java --output)" "${out##*@@output@@$'\n'}"
    else
        fail "outside/java" "$out"
    fi
else
    skip "outside/java" "${JDK_MISSING:-Maven is not installed: apt-get install maven}"
fi
exit $FAILED
