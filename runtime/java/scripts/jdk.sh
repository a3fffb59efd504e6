# runtime/java/scripts/jdk.sh - sourced by every script that runs Java: finds a
# JDK of version 22 or newer (the Foreign Function & Memory API is final from 22)
# and puts its bin first on PATH, with JAVA_HOME set, so Maven and java agree.
#
# Looks at $JAVA_HOME, then /usr/lib/jvm/*, then the java on PATH. On success
# JDK_HOME is set; else JDK_MISSING holds one line saying why (callers skip).
JDK_HOME=
JDK_MISSING=

jdk_version() { # prints the feature version of the JDK at $1 (e.g. 25), or nothing
    local rel="$1/release" v
    [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
    if [ -f "$rel" ]; then
        v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel")
    else
        v=$("$1/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')
    fi
    echo "$v"
}

jdk_find() {
    local cand v best= bestv=0
    for cand in ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/* \
        ${JAVA_BIN:+"$(dirname "$(dirname "$(readlink -f "$JAVA_BIN")")")"}; do
        [ -d "$cand" ] || continue
        v=$(jdk_version "$cand")
        [ -n "$v" ] || continue
        if [ "$v" -ge 22 ] && [ -n "${JAVA_HOME:-}" ] && [ "$cand" = "$JAVA_HOME" ]; then
            best=$cand bestv=$v
            break # an explicit JAVA_HOME that is new enough wins
        fi
        if [ "$v" -gt "$bestv" ]; then
            best=$cand bestv=$v
        fi
    done
    if [ "$bestv" -ge 22 ]; then
        JDK_HOME=$best
        export JAVA_HOME=$best
        export PATH="$best/bin:$PATH"
    elif [ -n "$best" ]; then
        JDK_MISSING="no JDK 22+ (the newest found is $bestv at $best): install one (apt-get install openjdk-25-jdk-headless) or set JAVA_HOME"
    else
        JDK_MISSING="no JDK found: install JDK 22 or newer (apt-get install openjdk-25-jdk-headless) or set JAVA_HOME"
    fi
}

JAVA_BIN=$(command -v java 2>/dev/null || true)
jdk_find
