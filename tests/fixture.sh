#!/bin/sh
# provium fixture list|prune (and build's mistakes) on a cache of stand-in entries (tests/fixture-tool
# makes them the way a fixture build will, and holds one in use as a run
# restoring it would).  No VM.
. "$(dirname "$0")/lib.sh"

TOOL="$PV_TEST_BUILDDIR/fixture-tool"
CACHE="$WORK/cache"
STORE="$CACHE/fixtures"
MIB=1048576

fixture() {
    "$PROVIUM" fixture "$@" > "$WORK/out" 2> "$WORK/err"
    status=$?
}
out_matches() { grep -qE -- "$1" "$WORK/out"; }
out_lacks() { ! grep -qF -- "$1" "$WORK/out"; }
err_is() { [ "$(cat "$WORK/err")" = "$1" ]; }

fixture list --cache-dir "$CACHE"
check "list: no cache yet: exit 0" status_is 0
check "list: no cache yet: says so" out_has "no fixture is cached in $STORE"
check "list: makes no directory" test ! -e "$CACHE"

"$TOOL" "$STORE" make old $MIB 7200 > /dev/null &&
    "$TOOL" "$STORE" make mid $MIB 600 > /dev/null &&
    web=$("$TOOL" "$STORE" make web $((2 * MIB)) 5)
check "three entries made" test -n "${web:-}"

fixture list --cache-dir "$CACHE"
check "list: exit 0" status_is 0
check "list: header" out_matches '^KEY +NAME +SIZE +AGE +LAST USE +SLOTS$'
short=$(printf %.12s "$web")
check "list: key, name, size, age, last use, slots" \
    out_matches "^$short  web +2(\\.0)?M +[0-9]+s +([5-9]|[1-5][0-9])s  1$"
check "list: most recently used first" \
    sh -c "awk 'NR > 1 { print \$2 }' '$WORK/out' | head -3 | tr '\n' ' ' | grep -qx 'web mid old '"
check "list: last use in hours" out_matches ' old +1(\.0)?M +[0-9]+s +2h  1$'
check "list: total" out_matches "^3 fixtures, 4(\\.0)?M, in $STORE \\(prune keeps at most 10G\\)$"

# old is held in use, as a run restoring it would, and last used long ago
# (a long run); mid is corrupt.
entry_of() {
    for d in "$STORE"/entries/*; do
        grep -q "\"name\" : \"$1\"" "$d/manifest.json" && echo "$d"
    done
}
mkfifo "$WORK/hold"
"$TOOL" "$STORE" hold old < "$WORK/hold" > "$WORK/held" &
holder=$!
exec 3> "$WORK/hold"
i=0
until grep -q held "$WORK/held" 2>/dev/null || [ $i -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
touch -d '3 hours ago' "$(entry_of old)/lock"
truncate -s 100 "$(entry_of mid)/slots/0/memory.state"

fixture list --cache-dir "$CACHE"
check "list: an entry in use" out_matches ' old .* 3h  1, in use$'
check "list: a corrupt entry, and why" \
    out_matches " mid .*, corrupt: slot 0: memory.state has 100 bytes, the manifest says $MIB$"

fixture prune --max-size 2M --cache-dir "$CACHE"
check "prune: exit 0" status_is 0
check "prune: the corrupt entry goes" \
    out_matches '^removed mid \([0-9a-f]{12}, [0-9.]+K\): corrupt: slot 0: memory.state has 100 bytes'
check "prune: the least recently used is in use: kept" out_lacks "removed old"
check "prune: so the next one goes" out_matches "^removed web \($short, 2(\\.0)?M\): last used [0-9]+s ago$"
check "prune: says what is left" out_matches "^the fixture cache $STORE holds 1(\\.0)?M \\(at most 2M\\)$"

fixture prune --max-size 0 --cache-dir "$CACHE"
check "prune 0: never what is in use" out_matches "^the fixture cache $STORE holds 1(\\.0)?M \\(at most 0\\)$"
fixture list --cache-dir "$CACHE"
check "list after prune: only the held entry" out_matches "^1 fixture, 1(\\.0)?M, in $STORE "

exec 3>&-
wait $holder
fixture prune --max-size 0 --cache-dir "$CACHE"
check "prune once let go: removed" out_matches '^removed old '
check "prune: the store is empty" sh -c "[ -z \"\$(ls '$STORE/entries')\" ]"

# Mistakes: one line, exit 2.
fixture
check "no command: exit 2" status_is 2
check "no command: one line" err_is "provium: fixture takes one command: build, list or prune (see provium fixture --help)"
fixture rebuild
check "an unknown command: exit 2" status_is 2
check "an unknown command: one line" err_is "provium: unknown fixture command 'rebuild': build, list or prune (see provium fixture --help)"
mkdir "$WORK/nofixtures"
fixture build -c test:///default "$WORK/nofixtures"
check "build: no fixture files: exit 2" status_is 2
check "build: no fixture files: one line" err_is "provium: no fixture files (*.fixture.lua) found"
echo 'return 1' > "$WORK/nofixtures/x.test.lua"
fixture build -c test:///default "$WORK/nofixtures/x.test.lua"
check "build: a test file: exit 2" status_is 2
check "build: a test file: one line" err_is "provium: $WORK/nofixtures/x.test.lua: not a fixture file (fixture files end in .fixture.lua)"
fixture build --help
check "build --help: a run's options" out_has "--cache-dir"
check "build --help: says what it does" out_has "Builds every fixture"
fixture prune --max-size lots --cache-dir "$CACHE"
check "bad --max-size: exit 2" status_is 2
check "bad --max-size: names the option" sh -c "grep -q '^provium: --max-size: ' '$WORK/err'"
fixture list --max-size 1G --cache-dir "$CACHE"
check "--max-size with list: exit 2" status_is 2
check "--max-size with list: one line" err_is "provium: --max-size goes with prune (see provium fixture --help)"
mkdir -p "$WORK/open/fixtures"
chmod 0777 "$WORK/open/fixtures"
fixture list --cache-dir "$WORK/open"
check "a cache everyone may write: exit 2" status_is 2
check "a cache everyone may write: refused, with what to do" \
    err_is "provium: $WORK/open/fixtures is writable by everyone; choose another cache directory with --cache-dir"

fixture --help
check "--help: exit 0" status_is 0
check "--help: the commands" sh -c "grep -q '  list ' '$WORK/out' && grep -q '  prune ' '$WORK/out'"
check "--help: build too" grep -q '  build ' "$WORK/out"
check "--help: the usage names them" out_has "provium fixture [OPTION…] build|list|prune"

# provium.read_host_file() reads relative to the calling file, also when the
# test file was named by a relative path (it crashed: a relative directory
# reached g_canonicalize_filename()).
mkdir "$WORK/host-file"
echo "from the host" > "$WORK/host-file/data.txt"
cat > "$WORK/host-file/reads.test.lua" <<'LUA'
local text = provium.read_host_file("data.txt")
test("reads a file beside it", function(t)
    t:assert_eq("from the host\n", text)
    t:assert_eq(text, provium.read_host_file("data.txt"))
end)
LUA
(cd "$WORK" && run_t host-file/reads.test.lua && echo "$status" > "$WORK/status")
status=$(cat "$WORK/status")
check "read_host_file, a test file named relatively: passes" status_is 0
check "read_host_file, a test file named relatively: the test ran" out_has "1 passed, 0 failed"
