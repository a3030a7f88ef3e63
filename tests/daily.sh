#!/bin/sh
# What a user does every day, on libvirt's test driver (no guests): global
# options before the command, run defaults in provium.conf, the order files
# run in from their duration history, retries, reruns, old runs pruned.
. "$(dirname "$0")/lib.sh"

T="test:///default"
run_t() {
    timeout 120 "$PROVIUM" "$@" > "$WORK/out" 2> "$WORK/err"
    status=$?
}

# Global options before the command's name, as with virsh -c URI list.
run_t -c "$T" clean --prefix "$PREFIX"
check "-c URI before clean: runs clean on that URI (exit 0)" status_is 0
check "-c URI before clean: not taken for a test path" out_has "nothing to clean"
run_t --connect="$T" clean --prefix "$PREFIX"
check "--connect=URI before clean works too" status_is 0
run_t -v clean
check "-v before clean: usage error (exit 2)" status_is 2
check "-v before clean: one line" err_is_one_line
check "-v before clean: names the option and the command" \
    err_has "-v does not apply to 'provium clean'"
mkdir "$WORK/listed"
echo 'test("one", function(t) end)' > "$WORK/listed/a.test.lua"
printf '[profile default]\nmemory = 128M\n' > "$WORK/listed.conf"
run_t --config "$WORK/listed.conf" list "$WORK/listed"
check "--config FILE before list: list runs (exit 0)" status_is 0
check "--config FILE before list: lists the file" out_has "a.test.lua"
run_t --config "$WORK/missing.conf" list "$WORK/listed"
check "--config before list: a missing file is still refused (exit 2)" status_is 2

# The order files start in: by their duration history, longest first.
dispatch() {
    run_t -c "$T" --prefix "$PREFIX" --results-dir "$WORK/runs" --no-psi --no-ksm "$@"
}
dispatched() {
    events '[.[] | select(.kind == "file_dispatched") | .path | split("/") | last | rtrimstr(".test.lua")] | join(",")' | tr -d '"'
}
mkdir "$WORK/mixed"
for f in a b c; do
    echo 'test("short", function(t) provium:sleep("50ms") end)' > "$WORK/mixed/$f.test.lua"
done
echo 'test("long", function(t) provium:sleep("600ms") end)' > "$WORK/mixed/z.test.lua"
dispatch -j 1 "$WORK/mixed"
check "no history yet: exit 0" status_is 0
check "no history yet: discovery order" test "$(dispatched)" = "a,b,c,z"
check "no history yet: no expected run time" sh -c "! grep -q 'expected run time' '$WORK/err'"
check "the run wrote a duration history" test -s "$WORK/runs/history.json"
check "the history knows the long file" \
    test "$(jq '.files | to_entries | map(select(.key == "z.test.lua"))[0].value.duration_ns > 500000000' "$WORK/runs/history.json")" = true
dispatch -j 1 "$WORK/mixed"
# The short ones, nearly equal, go in the order of their own durations.
check "with history: the long file found last starts first" \
    sh -c 'case "$1" in z,*) exit 0;; *) exit 1;; esac' - "$(dispatched)"
check "with history: the startup line gives the expected run time" \
    grep -q "^provium: pool .*; expected run time .* (longest-first)$" "$WORK/err"
check "with history: one startup line" test "$(grep -c '^provium: pool ' "$WORK/err")" -eq 1
dispatch -j 1 --order fifo "$WORK/mixed"
check "--order fifo: discovery order despite the history" test "$(dispatched)" = "a,b,c,z"
echo 'test("new", function(t) end)' > "$WORK/mixed/m.test.lua"
dispatch -j 1 "$WORK/mixed"
check "a file without history counts as the median: after the long one" \
    sh -c 'case "$1" in z,*m*) exit 0;; *) exit 1;; esac' - "$(dispatched)"
rm "$WORK/mixed/m.test.lua"
dispatch --order random "$WORK/mixed"
check "--order random: usage error (exit 2)" status_is 2
check "--order random: one line" err_is_one_line
check "--order random: says what is accepted" \
    err_has "--order: 'random' is not fifo or longest-first"
echo '{"version": 1, "files": {' > "$WORK/runs/history.json"
dispatch -j 1 "$WORK/mixed"
check "corrupt history: the run goes on (exit 0)" status_is 0
check "corrupt history: one warning naming it" \
    test "$(grep -c "ignoring the duration history $WORK/runs/history.json" "$WORK/err")" -eq 1
check "corrupt history: discovery order" test "$(dispatched)" = "a,b,c,z"
check "corrupt history: replaced by a good one" jq -e '.version == 2' "$WORK/runs/history.json"
rm "$WORK/runs/history.json"
dispatch -j 1 "$WORK/mixed"
check "missing history after earlier runs: one warning" \
    test "$(grep -c "no duration history in $WORK/runs" "$WORK/err")" -eq 1
check "nothing left" no_domains_left

# --retries: a failed file runs again; a test that fails, then passes, is flaky.
mkdir "$WORK/flaky"
cat > "$WORK/flaky/flaky.test.lua" <<LUA
local mark = "$WORK/flaky.mark"
test("fails the first time", function(t)
    provium:vm("v"):boot({agent = false})
    local f = io.open(mark)
    if not f then
        io.open(mark, "w"):close()
        t:fail("first time fails")
    end
    f:close()
end)
test("always passes", function(t) end)
LUA
echo 'test("never passes", function(t) t:fail("broken for good") end)' > "$WORK/flaky/bad.test.lua"
dispatch --junit "$WORK/flaky.xml" "$WORK/flaky"
check "without --retries: the flaky test fails the run (exit 1)" status_is 1
check "without --retries: no file is retried" test "$(events '[.[] | select(.kind == "file_retried")] | length')" -eq 0
rm -f "$WORK/flaky.mark"
dispatch --retries 2 --junit "$WORK/flaky.xml" "$WORK/flaky"
check "--retries 2: a test failing for good still fails the run (exit 1)" status_is 1
check "--retries 2: the failing file ran 3 times" \
    test "$(events '[.[] | select(.kind == "test_failed" and .name == "never passes")] | length')" -eq 3
check "--retries 2: file_retried says the attempt and what failed" \
    test "$(events '[.[] | select(.kind == "file_retried" and (.path | endswith("flaky.test.lua")))][0] | [.attempt, .attempts, .failed[0]] | join(",")' | tr -d '"')" = "2,3,fails the first time"
check "--retries 2: the flaky file is not retried once it passed" \
    test "$(events '[.[] | select(.kind == "file_retried" and (.path | endswith("flaky.test.lua")))] | length')" -eq 1
check "--retries 2: test_flaky carries the earlier failure" \
    test "$(events '[.[] | select(.kind == "test_flaky")][0].failures[0]' | tr -d '"')" = "$WORK/flaky/flaky.test.lua:7: first time fails"
check "--retries 2: the terminal shows FLAKY, not PASS" out_has "  FLAKY  fails the first time"
check "--retries 2: and the earlier failure under it" out_has "failed first: $WORK/flaky/flaky.test.lua:7: first time fails"
check "--retries 2: the summary counts it apart" \
    grep -qx "1 passed, 1 failed, 0 skipped, 1 flaky (passed after failing)" "$WORK/out"
check "--retries 2: run_finished counts it" test "$(events '[.[] | select(.kind == "run_finished")][0].flaky')" -eq 1
check "--retries 2: JUnit is valid" \
    xmllint --noout --schema "$PV_TEST_SRCDIR/reportdata/junit.xsd" "$WORK/flaky.xml"
check "--retries 2: JUnit has a <flakyFailure> with the message, as Surefire writes it" \
    test "$(xmllint --xpath 'string(//testcase[@name="fails the first time"]/flakyFailure/@message)' "$WORK/flaky.xml")" = "$WORK/flaky/flaky.test.lua:7: first time fails"
check "--retries 2: JUnit counts the flaky test as no failure" \
    test "$(xmllint --xpath 'string(//testsuite[contains(@name, "flaky.test.lua")]/@failures)' "$WORK/flaky.xml")" = 0
check "--retries 2: every VM of every attempt stopped" \
    test "$(events '[.[] | select(.kind == "vm_spawned")] | length')" -eq "$(events '[.[] | select(.kind == "vm_stopped")] | length')"
rm -f "$WORK/flaky.mark" "$WORK/flaky/bad.test.lua"
dispatch --retries 1 --json "$WORK/flaky"
check "--retries 1: only flaky: the run passes (exit 0)" status_is 0
check "--json: the test's status is flaky, with its failures" \
    test "$(jq -r '.tests[0] | [.status, (.failures | length)] | join(",")' "$WORK/out")" = "flaky,1"
check "--json: the file says how many attempts" test "$(jq '.attempts' "$WORK/out")" -eq 2
dispatch --retries=-1 "$WORK/flaky"
check "--retries -1: usage error (exit 2)" status_is 2
check "--retries -1: one line" err_is_one_line
check "nothing left" no_domains_left

# --rerun-failed: only the files that failed in the latest run.
mkdir "$WORK/rerun"
for f in a b c; do echo 'test("passes", function(t) end)' > "$WORK/rerun/$f.test.lua"; done
echo 'test("fails", function(t) t:fail("no") end)' > "$WORK/rerun/d.test.lua"
echo 'this is not lua' > "$WORK/rerun/e.test.lua"
# From the corpus: --rerun-failed runs the failed files under the current directory.
rerun() {
    here=$(pwd)
    cd "$WORK/rerun" || return
    run_t -c "$T" --prefix "$PREFIX" --results-dir "$WORK/rerun-runs" --no-psi --no-ksm "$@"
    cd "$here" || return
}
rerun_dispatched() {
    "$PROVIUM" events "$WORK/rerun-runs/latest/events.msgpack" |
        jq -s '[.[] | select(.kind == "file_completed") | .path | split("/") | last] | sort | join(",")' | tr -d '"'
}
rerun --rerun-failed
check "--rerun-failed with no earlier run: usage error (exit 2)" status_is 2
check "--rerun-failed with no earlier run: one line naming the directory" \
    sh -c "[ \$(wc -l < '$WORK/err') -eq 1 ] && grep -qF 'no earlier run in $WORK/rerun-runs' '$WORK/err'"
rerun "$WORK/rerun"
check "a run with a failing and a broken file (exit 2)" status_is 2
check "its run directory lists the failed files" \
    test "$(xargs -n1 basename < "$WORK/rerun-runs/latest/failed.list" | tr '\n' ,)" = "d.test.lua,e.test.lua,"
rerun --rerun-failed
check "--rerun-failed: only the failed and the broken file ran" \
    test "$(rerun_dispatched)" = "d.test.lua,e.test.lua"
echo 'test("fails", function(t) end)' > "$WORK/rerun/d.test.lua"
rerun --rerun-failed --filter d.test
check "--rerun-failed --filter: only the fixed file, which passes (exit 0)" status_is 0
check "--rerun-failed --filter: ran d alone" test "$(rerun_dispatched)" = "d.test.lua"
# What --filter left out it did not settle: e stays listed, and runs next.
rerun --rerun-failed
check "--rerun-failed after --filter: the file it left out is still listed and runs" \
    test "$(rerun_dispatched)" = "e.test.lua"
echo 'test("fixed", function(t) end)' > "$WORK/rerun/e.test.lua"
rerun --rerun-failed
check "--rerun-failed: the last failed file, fixed, passes (exit 0)" status_is 0
rerun --rerun-failed
check "--rerun-failed after a run where nothing failed: exit 0" status_is 0
check "--rerun-failed after a run where nothing failed: says so" \
    err_has "no file failed in the latest run ($WORK/rerun-runs/"

# provium.conf's [run] group: defaults for the run's options; the command
# line wins.
mkdir "$WORK/conf"
cat > "$WORK/conf/flaky.test.lua" <<LUA
local mark = "$WORK/conf.mark"
test("fails the first time", function(t)
    local f = io.open(mark)
    if not f then
        io.open(mark, "w"):close()
        t:fail("first time fails")
    end
    f:close()
end)
LUA
cat > "$WORK/conf/provium.conf" <<CONF
[profile default]
memory = 128M

[run]
retries = 1
results_dir = conf-runs
no-psi = true
CONF
conf_run() {
    run_t -c "$T" --prefix "$PREFIX" --no-ksm "$@"
}
rm -f "$WORK/conf.mark"
conf_run "$WORK/conf"
check "[run] retries = 1: the flaky test passes in the end (exit 0)" status_is 0
check "[run] results_dir, relative to the file: the run directory is there" \
    test -s "$WORK/conf/conf-runs/latest/events.msgpack"
check "[run] retries = 1: the file was retried" \
    test "$("$PROVIUM" events "$WORK/conf/conf-runs/latest/events.msgpack" | jq -s '[.[] | select(.kind == "file_retried")] | length')" -eq 1
check "[run] no-psi = true: the startup line says PSI is off" err_has "PSI off (--no-psi)"
rm -f "$WORK/conf.mark"
conf_run --retries 0 --results-dir "$WORK/conf-cli-runs" "$WORK/conf"
check "--retries 0 on the command line wins over [run] (exit 1)" status_is 1
check "--results-dir on the command line wins over [run]" \
    test -s "$WORK/conf-cli-runs/latest/events.msgpack"
printf '[run]\nretries = 1\n\njobs = many\n' > "$WORK/conf/provium.conf"
conf_run "$WORK/conf"
check "[run] jobs = many: configuration error (exit 2)" status_is 2
check "[run] jobs = many: one line" err_is_one_line
check "[run] jobs = many: names the file and line" \
    err_has "$WORK/conf/provium.conf:4: [run] jobs: 'many' is not a number"
printf '[run]\nmem = lots\n' > "$WORK/conf/provium.conf"
conf_run "$WORK/conf"
check "[run] mem = lots: names the file and line, and what to write" \
    err_has "$WORK/conf/provium.conf:2: [run] mem: --mem: invalid size 'lots' (write e.g. 16G)"
conf_run --mem 1G "$WORK/conf"
check "[run] mem = lots: a mistake even when the command line gives --mem (exit 2)" status_is 2
printf '[run]\nretries = 1\njbos = 2\n' > "$WORK/conf/provium.conf"
conf_run "$WORK/conf"
check "[run] unknown key: configuration error (exit 2)" status_is 2
check "[run] unknown key: one line naming the file, line and key" \
    sh -c "[ \$(wc -l < '$WORK/err') -eq 1 ] && grep -qF \"$WORK/conf/provium.conf:3: [run]: unknown key 'jbos'\" '$WORK/err'"
run_t list "$WORK/conf"
check "[run] unknown key: provium list refuses the file too (exit 2)" status_is 2
printf '[run]\nretries = 1\n' > "$WORK/conf/provium.conf"
cp "$WORK/conf/provium.conf" "$WORK/other.conf"
printf '[run]\nretries = x\n' > "$WORK/conf/provium.conf"
rm -f "$WORK/conf.mark"
conf_run --config "$WORK/other.conf" --results-dir "$WORK/conf-runs2" "$WORK/conf"
check "--config: its [run] group is the one used (exit 0)" status_is 0

# Old run directories are pruned: the last --keep-runs (default 20) stay.
mkdir "$WORK/keep"
echo 'test("passes", function(t) end)' > "$WORK/keep/a.test.lua"
keep() {
    run_t -c "$T" --prefix "$PREFIX" --results-dir "$WORK/keep-runs" --no-psi --no-ksm "$@" "$WORK/keep"
}
# Run directories: real directories named as provium names runs.
runs() {
    find "$WORK/keep-runs" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' |
        grep -Ec '^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$'
}
mkdir -p "$WORK/keep-runs/not-a-run" "$WORK/keep-runs/20000101-000000-zzzzzz"
i=0
while [ $i -lt 22 ]; do
    mkdir -p "$WORK/keep-runs/20000101-0000$(printf %02d $i)-abcdef/files"
    echo x > "$WORK/keep-runs/20000101-0000$(printf %02d $i)-abcdef/files/a.log"
    i=$((i + 1))
done
ln -s "$WORK/keep" "$WORK/keep-runs/20000101-000099-abcdef"
keep
check "keep-runs default: exit 0" status_is 0
check "keep-runs default: 20 run directories stay (this run's among them)" test "$(runs)" -eq 20
check "keep-runs default: the oldest went" test ! -e "$WORK/keep-runs/20000101-000000-abcdef"
check "keep-runs default: the newest stayed" test -d "$WORK/keep-runs/20000101-000021-abcdef"
check "keep-runs default: this run's directory stayed" test -s "$WORK/keep-runs/latest/events.msgpack"
check "keep-runs: a directory not named as a run stays" test -d "$WORK/keep-runs/not-a-run"
check "keep-runs: nor one almost named as a run" test -d "$WORK/keep-runs/20000101-000000-zzzzzz"
check "keep-runs: a link is not a run directory, and what it points to stays" \
    test -L "$WORK/keep-runs/20000101-000099-abcdef" -a -f "$WORK/keep/a.test.lua"
check "keep-runs: the history stays" test -s "$WORK/keep-runs/history.json"
keep --keep-runs 3
check "--keep-runs 3: three stay" test "$(runs)" -eq 3
keep --keep-runs 0
keep --keep-runs 0
check "--keep-runs 0: all stay" test "$(runs)" -eq 5
keep --keep-runs=-2
check "--keep-runs -2: usage error (exit 2)" status_is 2
check "nothing left" no_domains_left
