#!/bin/sh
# The results directory and the run's other outputs, on libvirt's test
# driver (no guests): a results directory another user could write is
# refused, --rerun-failed runs only files of the corpus, a live run's
# directory is never pruned, runs of one second are pruned in start order,
# and a mistaken output path is refused before anything runs.
. "$(dirname "$0")/lib.sh"

T="test:///default"
OTHER=65534
ME=$(id -un)
err_line() { grep -qxF -- "$1" "$WORK/err"; }
# run_in DIR ARGS...: run_t from DIR.
run_in() {
    here=$(pwd)
    cd "$1" || return
    shift
    run_t "$@"
    cd "$here" || return
}
# A test file that leaves a mark when it runs: mark_test FILE MARK [fails].
mark_test() {
    mkdir -p "$(dirname "$1")"
    if [ "${3:-}" = fails ]; then
        printf 'test("marks", function(t) io.open("%s", "w"):close() t:fail("no") end)\n' \
            "$2" > "$1"
    else
        printf 'test("marks", function(t) io.open("%s", "w"):close() end)\n' "$2" > "$1"
    fi
}

mark_test "$WORK/t/a.test.lua" "$WORK/t.mark"

# 1. A results directory everyone may write: another user could plant a
# run there (and point latest at it) whose failed files --rerun-failed
# runs.  Refused at once, as the fixture cache and the lock directory are.
mkdir -m 0777 "$WORK/ww"
chmod 0777 "$WORK/ww"
"$PROVIUM" -c "$T" --prefix "$PREFIX" --results-dir "$WORK/ww" --no-psi --no-ksm "$WORK/t" \
    > "$WORK/out" 2> "$WORK/err"
status=$?
check "a results directory everyone may write: exit 2" status_is 2
check "a results directory everyone may write: one line naming it" \
    err_line "provium: $WORK/ww is writable by everyone; choose another results directory with --results-dir"
check "a results directory everyone may write: nothing ran" test ! -e "$WORK/t.mark"
check "a results directory everyone may write: no run directory made" \
    test -z "$(ls "$WORK/ww")"

# The attack itself: a planted run whose failed.list names the attacker's
# file, in the corpus's own results directory.
mkdir -p "$WORK/corpus/.provium/runs/20991231-235959-abcdef" "$WORK/evil"
chmod 0777 "$WORK/corpus/.provium/runs"
mark_test "$WORK/evil/x.test.lua" "$WORK/pwned"
echo "$WORK/evil/x.test.lua" > "$WORK/corpus/.provium/runs/20991231-235959-abcdef/failed.list"
ln -s 20991231-235959-abcdef "$WORK/corpus/.provium/runs/latest"
chown -R "$OTHER:$OTHER" "$WORK/evil" "$WORK/corpus/.provium/runs/20991231-235959-abcdef" \
    "$WORK/corpus/.provium/runs/latest"
here=$(pwd)
cd "$WORK/corpus" || exit 1
"$PROVIUM" -c "$T" --prefix "$PREFIX" --no-psi --no-ksm --rerun-failed \
    > "$WORK/out" 2> "$WORK/err"
status=$?
cd "$here" || exit 1
check "--rerun-failed in a results directory everyone may write: exit 2" status_is 2
check "--rerun-failed in a results directory everyone may write: the planted file never runs" \
    test ! -e "$WORK/pwned"
check "--rerun-failed in a results directory everyone may write: one line naming it" \
    err_line "provium: $WORK/corpus/.provium/runs is writable by everyone; choose another results directory with --results-dir"

# Another user's results directory, or a link to one.
mkdir "$WORK/theirs"
chown "$OTHER:$OTHER" "$WORK/theirs"
run_t --results-dir "$WORK/theirs" "$WORK/t"
check "another user's results directory: exit 2" status_is 2
check "another user's results directory: one line naming it and why" \
    err_line "provium: $WORK/theirs is owned by uid $OTHER, not by you ($ME); choose another results directory with --results-dir"
ln -s "$WORK/theirs" "$WORK/link"
run_t --results-dir "$WORK/link" "$WORK/t"
check "a link to another user's results directory: exit 2" status_is 2
check "a link to another user's results directory: one line naming it" \
    err_line "provium: $WORK/link is owned by uid $OTHER, not by you ($ME); choose another results directory with --results-dir"
check "another user's results directory: nothing ran, nothing written there" \
    sh -c "[ ! -e '$WORK/t.mark' ] && [ -z \"\$(ls '$WORK/theirs')\" ]"

# 2. --rerun-failed runs only the failed files under the corpus: the PATHs
# given, or the current directory.
mark_test "$WORK/corpus/y.test.lua" "$WORK/y.mark" fails
mark_test "$WORK/other/x.test.lua" "$WORK/x.mark" fails
run_t --results-dir "$WORK/rr" "$WORK/corpus" "$WORK/other"
check "a run where a file of the corpus and one elsewhere fail (exit 1)" status_is 1
rm -f "$WORK/x.mark" "$WORK/y.mark"
run_in "$WORK/corpus" --results-dir "$WORK/rr" --rerun-failed
check "--rerun-failed from the corpus: the failed file there runs again" test -e "$WORK/y.mark"
check "--rerun-failed from the corpus: the one elsewhere does not" test ! -e "$WORK/x.mark"
check "--rerun-failed from the corpus: one line says which was left out" \
    err_line "provium: --rerun-failed: 1 file that failed in the latest run is not under the PATHs (or the current directory) and is not run: $WORK/other/x.test.lua"
check "--rerun-failed from the corpus: exit 1 (it fails again)" status_is 1
rm -f "$WORK/y.mark"
run_in / --results-dir "$WORK/rr" --rerun-failed "$WORK/corpus"
check "--rerun-failed PATH: the failed file under PATH runs again" test -e "$WORK/y.mark"
check "--rerun-failed PATH: the one elsewhere does not" test ! -e "$WORK/x.mark"
rm -f "$WORK/y.mark"
run_in "$WORK/t" --results-dir "$WORK/rr" --rerun-failed
check "--rerun-failed where no failed file is: exit 2" status_is 2
check "--rerun-failed where no failed file is: one line saying so" \
    err_has "--rerun-failed: no file that failed in the latest run ($WORK/rr/"
check "--rerun-failed where no failed file is: nothing ran" \
    sh -c "[ ! -e '$WORK/y.mark' ] && [ ! -e '$WORK/x.mark' ]"

# 2b. --rerun-failed from a subdirectory keeps the other failures on the
# list: from a/, with a/f and b/g failed, the new list still names b/g, so
# rerunning until nothing failed leaves nothing broken; a file that passes
# now leaves the list.
mark_test "$WORK/sub/a/f.test.lua" "$WORK/f.mark" fails
mark_test "$WORK/sub/b/g.test.lua" "$WORK/g.mark" fails
run_in "$WORK/sub" --results-dir "$WORK/rs"
check "a/f and b/g fail (exit 1)" status_is 1
rm -f "$WORK/f.mark" "$WORK/g.mark"
run_in "$WORK/sub/a" --results-dir "$WORK/rs" --rerun-failed
check "--rerun-failed from a/: a/f runs again, b/g does not" \
    sh -c "[ -e '$WORK/f.mark' ] && [ ! -e '$WORK/g.mark' ]"
check "--rerun-failed from a/: the new list keeps b/g and a/f" \
    test "$(sort "$WORK/rs/latest/failed.list" | tr '\n' ' ')" = "$WORK/sub/a/f.test.lua $WORK/sub/b/g.test.lua "
mark_test "$WORK/sub/a/f.test.lua" "$WORK/f.mark"
run_in "$WORK/sub/a" --results-dir "$WORK/rs" --rerun-failed
check "--rerun-failed from a/, a/f fixed: passes (exit 0)" status_is 0
check "--rerun-failed from a/, a/f fixed: the new list names only b/g" \
    test "$(cat "$WORK/rs/latest/failed.list")" = "$WORK/sub/b/g.test.lua"
rm -f "$WORK/g.mark"
run_in "$WORK/sub" --results-dir "$WORK/rs" --rerun-failed
check "--rerun-failed from the top: b/g runs again" test -e "$WORK/g.mark"
check "--rerun-failed from the top: the list names b/g only" \
    test "$(cat "$WORK/rs/latest/failed.list")" = "$WORK/sub/b/g.test.lua"

# 3. Two runs sharing a results directory with --keep-runs 1: the second
# does not prune the first's directory while it runs.
mkdir "$WORK/slow"
cat > "$WORK/slow/slow.test.lua" <<LUA
test("waits for its go", function(t)
    io.open("$WORK/slow.started", "w"):close()
    wait_until(function() return io.open("$WORK/slow.go") end, {timeout = "100s"})
end)
LUA
"$PROVIUM" -c "$T" --prefix "${PREFIX}a-" --results-dir "$WORK/shared" --no-psi --no-ksm \
    --keep-runs 1 "$WORK/slow" > "$WORK/out-a" 2> "$WORK/err-a" &
first=$!
n=0
until [ -e "$WORK/slow.started" ] || [ $n -ge 600 ]; do sleep 0.2; n=$((n + 1)); done
first_dir=$(readlink "$WORK/shared/latest")
run_t --results-dir "$WORK/shared" --keep-runs 1 "$WORK/t"
check "--keep-runs 1 beside a live run: the second run passes" status_is 0
check "--keep-runs 1 beside a live run: the live run's directory stays" \
    test -n "$first_dir" -a -s "$WORK/shared/$first_dir/events.msgpack"
touch "$WORK/slow.go"
wait $first
status=$?
check "--keep-runs 1 beside a live run: the first run passes" status_is 0
check "--keep-runs 1 beside a live run: its events are whole" \
    test "$("$PROVIUM" events "$WORK/shared/$first_dir/events.msgpack" | jq -s 'last.kind')" = '"run_finished"'
run_t --results-dir "$WORK/shared" --keep-runs 1 "$WORK/t"
check "--keep-runs 1 once both ended: one run directory stays" \
    test "$(find "$WORK/shared" -mindepth 1 -maxdepth 1 -type d | wc -l)" -eq 1

# 4. Runs that started in the same second are pruned in the order they
# started, not by their names' random suffixes.  Two runs are renamed into
# one second, the earlier under the name that sorts last.
run_t --results-dir "$WORK/second" "$WORK/t"
r1=$(readlink "$WORK/second/latest")
run_t --results-dir "$WORK/second" "$WORK/t"
r2=$(readlink "$WORK/second/latest")
mv "$WORK/second/$r1" "$WORK/second/20200101-000000-ffffff"
mv "$WORK/second/$r2" "$WORK/second/20200101-000000-000000"
run_t --results-dir "$WORK/second" --keep-runs 2 "$WORK/t"
check "--keep-runs 2: two stay" \
    test "$(find "$WORK/second" -mindepth 1 -maxdepth 1 -type d | wc -l)" -eq 2
check "--keep-runs 2: of one second, the run that started first went" \
    test ! -e "$WORK/second/20200101-000000-ffffff"
check "--keep-runs 2: of one second, the run that started later stayed" \
    test -d "$WORK/second/20200101-000000-000000"

# 5. An empty results directory, on the command line or in provium.conf.
rm -f "$WORK/t.mark"
run_t --results-dir= "$WORK/t"
check "--results-dir= (empty): exit 2" status_is 2
check "--results-dir= (empty): one line naming the option" \
    err_line "provium: --results-dir: an empty path; give a directory (without the option: .provium/runs)"
mkdir "$WORK/conf"
mark_test "$WORK/conf/a.test.lua" "$WORK/t.mark"
printf '[run]\nno-psi = true\nresults-dir =\n' > "$WORK/conf/provium.conf"
"$PROVIUM" -c "$T" --prefix "$PREFIX" --no-ksm "$WORK/conf" > "$WORK/out" 2> "$WORK/err"
status=$?
check "[run] results-dir = (empty): exit 2" status_is 2
check "[run] results-dir = (empty): one line naming the file and line" \
    err_line "provium: $WORK/conf/provium.conf:3: [run] results-dir: --results-dir: an empty path; give a directory (without the option: .provium/runs)"
check "empty results directory: nothing ran, nothing written beside" \
    sh -c "[ ! -e '$WORK/t.mark' ] && [ ! -e '$WORK/conf/.provium' ] && [ -z \"\$(ls -A '$WORK/conf' | grep -v -e provium.conf -e a.test.lua)\" ]"

# 6. Output files are checked before anything runs, not after the run.
run_t --junit /nonexistent/x.xml "$WORK/t"
check "--junit /nonexistent/x.xml: exit 2" status_is 2
check "--junit /nonexistent/x.xml: one line naming it" \
    sh -c "[ \$(wc -l < '$WORK/err') -eq 1 ] && grep -q '^provium: --junit: cannot write /nonexistent/x.xml: ' '$WORK/err'"
check "--junit /nonexistent/x.xml: refused before the test ran" test ! -e "$WORK/t.mark"
check "--junit /nonexistent/x.xml: no run directory" test ! -e "$WORK/runs"
run_t --junit "$WORK/t" "$WORK/t"
check "--junit DIRECTORY: refused before the test ran (exit 2)" \
    sh -c "[ $status -eq 2 ] && [ ! -e '$WORK/t.mark' ]"
check "--junit DIRECTORY: says so" err_line "provium: --junit: $WORK/t is a directory: give a file's path"
run_t --save-events /nonexistent/e.msgpack "$WORK/t"
check "--save-events /nonexistent/e.msgpack: refused before the test ran (exit 2)" \
    sh -c "[ $status -eq 2 ] && [ ! -e '$WORK/t.mark' ]"
check "--save-events /nonexistent/e.msgpack: one line naming it" \
    sh -c "[ \$(wc -l < '$WORK/err') -eq 1 ] && grep -q '^provium: --save-events: cannot write /nonexistent/e.msgpack: ' '$WORK/err'"
run_t --junit "$WORK/j.xml" --save-events "$WORK/e.msgpack" "$WORK/t"
check "good output paths: the run passes and writes them" \
    sh -c "[ $status -eq 0 ] && [ -s '$WORK/j.xml' ] && [ -s '$WORK/e.msgpack' ]"
check "nothing left" no_domains_left
