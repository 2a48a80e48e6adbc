# shellcheck shell=bash
# Shared by bin/bindrun, bin/bench, bin/test and bin/setup (sourced, not run): the project's paths, the JVM,
# and the "build when needed" step with the class paths it leaves behind.
#
# The build is `mvn -B -q -Dmaven.test.skip=true package` over the whole reactor. Every module then holds
# target/<module>-<version>.jar and target/runtime-classpath.txt (its runtime dependencies as absolute paths,
# written by the parent pom's maven-dependency-plugin execution "runtime-classpath"). A build is needed when one
# of those is missing, names a file that no longer exists, or a pom or a file under a module's src/main is newer
# than the last successful build (.bind/build.stamp).
#
# Callers set BIND_PROG (the name used in messages) before sourcing this file.

BIND_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIND_STATE="$BIND_HOME/.bind"
: "${BIND_PROG:=bind}"

# JVM flags every launcher passes before the user's own (a later -J flag overrides them).
# net.bytebuddy.safe=true: Byte Buddy then never touches sun.misc.Unsafe, which JDK 24 and newer report with a
# "terminally deprecated method" warning on every run; Bind's interception needs no Unsafe.
# shellcheck disable=SC2034 # used by the scripts that source this file
BIND_JVM_DEFAULTS=(-Dnet.bytebuddy.safe=true)

# Prints "<prog>: message" on stderr and exits with the given status.
bind_die() {
    local status=$1
    shift
    printf '%s: %s\n' "$BIND_PROG" "$*" >&2
    exit "$status"
}

# Prints a note on stderr, only when stderr is a terminal (scripted runs stay quiet on success).
bind_note() {
    if [[ -t 2 ]]; then
        printf '%s: %s\n' "$BIND_PROG" "$*" >&2
    fi
}

# The java launcher to use: $JAVA_HOME/bin/java when JAVA_HOME is set, else `java` on the PATH.
bind_java() {
    if [[ -n ${JAVA_HOME:-} ]]; then
        [[ -x $JAVA_HOME/bin/java ]] || bind_die 1 "JAVA_HOME=$JAVA_HOME has no bin/java; unset it or point it to a JDK 17 or newer"
        printf '%s\n' "$JAVA_HOME/bin/java"
    elif command -v java >/dev/null 2>&1; then
        command -v java
    else
        bind_die 1 "no java found: install a JDK 17 or newer (bin/setup does) or set JAVA_HOME"
    fi
}

# The feature version of a java launcher: 17 for "17.0.15", 25 for "25.0.1", 8 for "1.8.0_442"; empty if unknown.
bind_java_major() {
    local version
    version=$("$1" -version 2>&1 | sed -n 's/^[^ ]* version "\([^"]*\)".*/\1/p' | head -n 1)
    version=${version#1.}
    version=${version%%[!0-9]*}
    printf '%s\n' "$version"
}

# The modules listed in the root pom, in reactor order.
bind_modules() {
    sed -n 's:^ *<module>\(.*\)</module>.*:\1:p' "$BIND_HOME/pom.xml"
}

# The project version (the root pom's own <version>, right after <artifactId>bind-parent</artifactId>).
bind_version() {
    sed -n '/<artifactId>bind-parent<\/artifactId>/{n;s:.*<version>\(.*\)</version>.*:\1:p;q;}' "$BIND_HOME/pom.xml"
}

# The jar of a module (artifact id = directory name).
bind_module_jar() {
    printf '%s\n' "$BIND_HOME/$1/target/$1-$(bind_version).jar"
}

# Prints the class path of a module: its jar, then its runtime dependencies. Fails (status 1, nothing printed)
# when the jar or the dependency list is missing, or when the list names a missing file or a project jar taken
# from outside this working tree (a partial build resolved it from a local repository).
bind_module_classpath() {
    local module=$1 jar list classpath entry
    local -a entries=()
    jar=$(bind_module_jar "$module")
    list="$BIND_HOME/$module/target/runtime-classpath.txt"
    [[ -f $jar && -f $list ]] || return 1
    classpath=$(<"$list")
    IFS=: read -ra entries <<<"$classpath"
    for entry in "${entries[@]}"; do
        [[ -e $entry ]] || return 1
        if [[ $entry == */org/bind/* && $entry != "$BIND_HOME"/* ]]; then
            return 1
        fi
    done
    printf '%s\n' "$jar${classpath:+:$classpath}"
}

# Prints the class path a program compiles and runs against (what bin/bindrun --print-classpath prints): bind-core,
# bind-linalg, bind-mapreduce and their dependencies, each entry once. Fails when a module is not built.
bind_user_classpath() {
    local module classpath
    local -a all=()
    for module in bind-core bind-linalg bind-mapreduce; do
        classpath=$(bind_module_classpath "$module") || return 1
        all+=("$classpath")
    done
    printf '%s\n' "${all[@]}" | tr ':' '\n' | awk 'NF && !seen[$0]++' | paste -sd: -
}

# Succeeds when every module has its jar and a valid runtime-classpath.txt.
bind_outputs_present() {
    local module
    while read -r module; do
        bind_module_classpath "$module" >/dev/null || return 1
    done < <(bind_modules)
}

# Succeeds when the project must be (re)built.
bind_build_needed() {
    local stamp="$BIND_STATE/build.stamp" module
    local -a sources=("$BIND_HOME/pom.xml")
    [[ -f $stamp ]] || return 0
    bind_outputs_present || return 0
    while read -r module; do
        sources+=("$BIND_HOME/$module/pom.xml")
        if [[ -d $BIND_HOME/$module/src/main ]]; then
            sources+=("$BIND_HOME/$module/src/main")
        fi
    done < <(bind_modules)
    [[ -n $(find "${sources[@]}" -newer "$stamp" -print -quit 2>/dev/null) ]]
}

# Takes the build lock (one Maven build at a time in this working tree) on file descriptor 9.
bind_lock() {
    mkdir -p "$BIND_STATE"
    exec 9>"$BIND_STATE/build.lock"
    if command -v flock >/dev/null 2>&1; then
        flock 9
    fi
}

bind_unlock() {
    exec 9>&-
}

# Builds the project when needed; Maven's output goes to .bind/build.log and is shown only on failure.
# Checks without the lock first, so that runs needing no build never wait for another build or a test run.
bind_build_if_needed() {
    # BIND_BUILD=never: the jars are used as they are (for callers that have just built them, e.g. a test run).
    [[ ${BIND_BUILD:-} != never ]] || return 0
    bind_build_needed || return 0
    bind_lock
    if bind_build_needed; then
        bind_note "building the project (mvn package; log in .bind/build.log)"
        touch "$BIND_STATE/build.stamp.next"
        if ! (cd "$BIND_HOME" && mvn -B -q -Dmaven.test.skip=true package) >"$BIND_STATE/build.log" 2>&1 </dev/null; then
            sed 's/\x1b\[[0-9;]*m//g' "$BIND_STATE/build.log" | grep -v '^[[:space:]]*$' | tail -n 40 >&2
            bind_unlock
            bind_die 1 "the build failed: mvn -B -Dmaven.test.skip=true package (full log: $BIND_STATE/build.log)"
        fi
        mv "$BIND_STATE/build.stamp.next" "$BIND_STATE/build.stamp"
        if ! bind_outputs_present; then
            bind_unlock
            bind_die 1 "the build succeeded but left no jar or runtime-classpath.txt in some module (see $BIND_STATE/build.log)"
        fi
    fi
    bind_unlock
}

# Runs bin/setup (installs what is missing; quiet when nothing is).
bind_setup() {
    "$BIND_HOME/bin/setup" || exit $?
}
