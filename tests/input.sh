#!/bin/sh
# Input provium cannot pass on as it is, on libvirt's test driver (no
# guests): a NUL byte where it cannot travel is an error at its line;
# control characters in names neither break a boot nor reach the terminal;
# and a few mistakes of the command line and the files beside the tests.
. "$(dirname "$0")/lib.sh"

run_t() {
    timeout 120 "$PROVIUM" -c "$T" --prefix "$PREFIX" --results-dir "$WORK/runs" --no-psi --no-ksm "$@" \
        > "$WORK/out" 2> "$WORK/err"
    status=$?
}
no_control_chars() { ! tr -d '\n\t' < "$WORK/out" | LC_ALL=C grep -q '[[:cntrl:]]'; }

# A NUL in a test's name: "a\0one" (fails) and "a\0two" (passes) were one
# test "a", reported FLAKY, passed after failing.
mkdir "$WORK/nul"
cat > "$WORK/nul/names.test.lua" <<'LUA'
test("a\0one", function(t) t:fail("x") end)
test("a\0two", function(t) end)
LUA
run_t "$WORK/nul"
check "NUL in a test's name: the file is broken (exit 2)" status_is 2
check "NUL in a test's name: says so at its line" \
    out_has "names.test.lua:1: test(\"a\\0one\"): the test's name holds a NUL byte (\\0)"
check "NUL in a test's name: no test is reported" sh -c "! grep -q 'FLAKY\|PASS\|FAIL ' '$WORK/out'"

# Where it can travel escaped (a message, the output), a NUL is shown.
mkdir "$WORK/nulmsg"
cat > "$WORK/nulmsg/msg.test.lua" <<'LUA'
test("fails", function(t) print("out\0put") t:fail("boom\0tail") end)
LUA
run_t -v "$WORK/nulmsg"
check "NUL in a message: a failed test (exit 1)" status_is 1
check "NUL in a message: shown, not the end of it" out_has "msg.test.lua:1: boom\\x00tail"
check "NUL in the output: shown, not the end of it" out_has "| fails: out\\x00put"
check "NUL in the output: the event stream keeps the rest" \
    test "$(events '[.[] | select(.kind == "test_log")][0].text')" = '"out\\x00put"'

# Control characters in a VM's or a file's name: libvirt refused every
# boot ("PCDATA invalid Char value 1"); the terminal got them raw.
mkdir "$WORK/ctl"
printf '[profile default]\nmemory = 128M\n' > "$WORK/ctl/provium.conf"
# Two names that differ only in a control character.
printf 'test("boots", function(t)\n  provium:vm("a\\1b"):boot({agent = false})\n  provium:vm("a\\2b"):boot({agent = false})\nend)\n' \
    > "$WORK/ctl/vm.test.lua"
printf 'test("boots too", function(t) provium:vm("v"):boot({agent = false}) end)\n' \
    > "$WORK/ctl/e$(printf '\033')[31mred.test.lua"
run_t "$WORK/ctl"
check "control characters in names: every VM boots (exit 0)" status_is 0
check "control characters in names: both tests pass" grep -qx "2 passed, 0 failed, 0 skipped" "$WORK/out"
check "control characters in names: none reaches the terminal" no_control_chars
check "control characters in names: the file's shown with a control picture" \
    out_has "$WORK/ctl/e␛[31mred.test.lua passed"
check "control characters in names: the VM's name in its metadata, as XML takes it" \
    sh -c "grep -q '<provium:vm>a␁b</provium:vm>' '$WORK/runs/latest/vms/'*vm-a-b.xml"
check "control characters in names: the domain names are valid and distinct" \
    test "$(events '[.[] | select(.kind == "vm_spawned") | .domain] | unique | length')" = 3
check "control characters in names: nothing left in libvirt" no_domains_left

# A newline or a right-to-left override (U+202E) in a file's or a test's
# name reaches the terminal escaped: no name starts a line of its own or
# shows its letters in another order.
mkdir "$WORK/nl"
printf 'test("x\\n  PASS  y\\u{202E}z", function(t) t:fail("no") end)\n' \
    > "$WORK/nl/new
line$(printf '\342\200\256').test.lua"
run_t "$WORK/nl"
check "newline, U+202E in names: a failed test (exit 1)" status_is 1
check "newline, U+202E in names: the test's name on its line" \
    out_has "  FAIL  x␊  PASS  y\\u{202E}z ("
check "newline, U+202E in names: the file's name on its line" \
    out_has "$WORK/nl/new␊line\\u{202E}.test.lua failed"
check "newline, U+202E in names: no PASS line" sh -c "! grep -q '^  PASS' '$WORK/out'"
check "newline, U+202E in names: no U+202E reaches the terminal" \
    sh -c "! grep -q '$(printf '\342\200\256')' '$WORK/out'"
timeout 120 "$PROVIUM" list "$WORK/nl" > "$WORK/out" 2> "$WORK/err"
status=$?
check "newline, U+202E in names: provium list shows them escaped" \
    test "$(cat "$WORK/out")" = "$WORK/nl/new␊line\\u{202E}.test.lua
  x␊  PASS  y\\u{202E}z"

# provium events --kind that names no kind printed nothing and exited 0.
mkdir "$WORK/ev"
echo 'test("fine", function(t) end)' > "$WORK/ev/a.test.lua"
run_t "$WORK/ev"
"$PROVIUM" events --kind file_complete "$WORK/runs/latest/events.msgpack" > "$WORK/out" 2> "$WORK/err"
status=$?
check "events --kind with no such kind: exit 2" status_is 2
check "events --kind with no such kind: names it and the kinds" \
    err_has "provium: --kind: 'file_complete' is not an event kind (kinds: run_started, "
check "events --kind with no such kind: one line" err_is_one_line
"$PROVIUM" events --kind file_completed "$WORK/runs/latest/events.msgpack" > "$WORK/out" 2> "$WORK/err"
status=$?
check "events --kind with a kind: exit 0, its events" \
    sh -c "[ $status -eq 0 ] && [ \$(wc -l < '$WORK/out') -eq 1 ]"

# A run option before a command's name made the name a test path:
# "provium: shell: no such file or directory".
(cd "$WORK" && "$PROVIUM" -c "$T" --prefix "$PREFIX" shell default > "$WORK/out" 2> "$WORK/err")
status=$?
check "run option before a command: exit 2" status_is 2
check "run option before a command: says which options may come first" \
    err_has "provium: 'shell' is a command, but an option before it made it a test path: only these options may come before 'shell': -c/--connect, --config; give the others after it (see provium shell --help)"
check "run option before a command: one line" err_is_one_line
# A directory of that name is a path like any other.
mkdir "$WORK/cmd" "$WORK/cmd/shell"
echo 'test("fine", function(t) end)' > "$WORK/cmd/shell/a.test.lua"
(cd "$WORK/cmd" && timeout 120 "$PROVIUM" -c "$T" --prefix "$PREFIX" --results-dir "$WORK/runs" \
     --no-psi --no-ksm shell > "$WORK/out" 2> "$WORK/err")
status=$?
check "a directory named like a command: runs (exit 0)" status_is 0

# [profile NAME] written twice was merged silently.
mkdir "$WORK/dup"
printf '[profile default]\nmemory = 128M\n\n[profile default]\ncpus = 2\n' > "$WORK/dup/provium.conf"
echo 'test("fine", function(t) end)' > "$WORK/dup/a.test.lua"
run_t "$WORK/dup"
check "profile written twice: exit 2" status_is 2
check "profile written twice: names both lines" \
    err_has "provium.conf:4: [profile default] is written twice (first at line 1)"

# A history entry no run measured (INT64_MAX) was believed: "expected run
# time 2562047h".
mkdir "$WORK/hist"
echo 'test("fine", function(t) end)' > "$WORK/hist/a.test.lua"
echo 'test("fine", function(t) end)' > "$WORK/hist/b.test.lua"
mkdir -p "$WORK/runs"
printf '{"version": 1, "files": {"%s": {"duration_ns": 9223372036854775807, "runs": 1}, "%s": {"duration_ns": 2000000000, "runs": 1}}}\n' \
    "$WORK/hist/a.test.lua" "$WORK/hist/b.test.lua" > "$WORK/runs/history.json"
run_t "$WORK/hist"
check "absurd history entry: the run goes on (exit 0)" status_is 0
check "absurd history entry: not believed" err_has "expected run time 2.0s (longest-first)"

# What a VM sets of its profile (cmdline after the profile's, boot_timeout),
# a profile that starts from another, and a NUL in a VM's cmdline.
mkdir "$WORK/own"
printf '[profile default]\nmemory = 128M\ncmdline = console=ttyS0\n[profile kid : default]\nboot_timeout = 3m\n' \
    > "$WORK/own/provium.conf"
cat > "$WORK/own/own.test.lua" <<'LUA'
test("boots", function(t)
    provium:vm("v", "kid", {cmdline = "provium.x=1", boot_timeout = "1m"}):boot({agent = false})
end)
LUA
run_t "$WORK/own"
check "a VM's cmdline: it boots (exit 0)" status_is 0
check "a VM's cmdline: after its inherited profile's, in the domain XML" \
    sh -c "grep -q '<cmdline>console=ttyS0 provium.x=1</cmdline>' '$WORK/runs/latest/vms/'*own-v.xml"
printf 'test("x", function(t) end)\nprovium:vm("v", {cmdline = "a\\0b"})\n' > "$WORK/own/nul.test.lua"
run_t "$WORK/own/nul.test.lua"
check "a NUL in a VM's cmdline: an error at its line" \
    out_has "nul.test.lua:2: provium:vm(): cmdline"
