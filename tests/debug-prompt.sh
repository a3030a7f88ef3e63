#!/bin/sh
# --debug-on-failure on libvirt's test driver (no guests), driven through a
# pseudo-terminal: the prompt sees the failed test's locals and the file's
# VMs, evaluates expressions and statements, says which domains are kept,
# and the run goes on when it ends ("cont" or Ctrl-D).  Without a terminal
# it behaves as --keep-failed.  tests/e2e/debug-prompt.sh runs vm:run() in it.
. "$(dirname "$0")/lib.sh"

PTY="python3 $PV_TEST_SRCDIR/pty-session.py"
PV="$PROVIUM -c $T --prefix $PREFIX --results-dir $WORK/runs --no-psi --no-ksm"

mkdir "$WORK/t"
printf '[profile default]\nmemory = 128M\ncpus = 1\n' > "$WORK/t/provium.conf"
cat > "$WORK/t/a.test.lua" <<'LUA'
local top = provium:vm("top")
local function helper(t, n)
    local inner = n * 2
    t:assert_eq(1, inner, "one is not " .. inner)
end
test("fails", function(t)
    top:boot({agent = false})
    local marker = "hello " .. "there"
    helper(t, 21)
end)
test("caught", function(t)
    local caught = "still here"
    pcall(t.fail, t, "failed under pcall")
end)
test("passes after", function(t) end)
LUA
cat > "$WORK/t/b.test.lua" <<'LUA'
test("b runs too", function(t) end)
LUA

$PTY 'expect:provium> ' 'send:marker' 'expect:provium> ' 'send:inner' \
    'expect:provium> ' 'send:top:state()' 'expect:provium> ' 'send:x = 41 + 1' \
    'expect:provium> ' 'send:x, t.name' 'expect:provium> ' 'send:nosuch()' \
    'expect:provium> ' 'send:print("printed", 1)' \
    'expect:provium> ' 'send:provium:sleep("4s")' \
    'expect:provium> ' 'send:cont' \
    'expect:provium> ' 'send:caught' 'expect:provium> ' 'eof' \
    -- $PV --debug-on-failure "$WORK/t" > "$WORK/out" 2> "$WORK/err"
status=$?
# As a person reads it: no carriage returns, no colors.
tr -d '\r' < "$WORK/out" | sed 's/\x1b\[[0-9;]*m//g' > "$WORK/transcript"
mv "$WORK/transcript" "$WORK/out"
check "under a terminal: exit 1 (a test failed), after both prompts" status_is 1
check "the prompt names the test and its failure" \
    out_has "provium: $WORK/t/a.test.lua: test 'fails' failed:"
check "the failure's message" out_has "a.test.lua:4: one is not 42: expected 1, got 42"
check "the kept domains, as virsh console" \
    out_has "provium: kept running: virsh -c $T console ${PREFIX}a-top"
# The terminal echoes each line typed; the value comes on the next line.
check "a local of the test" grep -qx '"hello there"' "$WORK/out"
check "a local of the failing helper" grep -qx '42' "$WORK/out"
check "the file's top-level VM" grep -qx '"running"	nil' "$WORK/out"
check "a statement, then its value; t is the test" grep -qx '42	"fails"' "$WORK/out"
check "an error is shown, the prompt goes on" \
    grep -qx "error: prompt:1: attempt to call a nil value (global 'nosuch')" "$WORK/out"
check "print() shows on the terminal" grep -qx 'printed	1' "$WORK/out"
check "a failure the test caught: its prompt, with its locals" \
    grep -qx '"still here"' "$WORK/out"
check "the run went on: the next test" out_has "PASS  passes after"
check "the run went on: the next file" out_has "PASS  b runs too"
check "the test's duration leaves the prompt out" \
    test "$("$PROVIUM" events "$WORK/runs/latest/events.msgpack" |
            jq -rs '[.[] | select(.kind == "test_failed" and .name == "fails")][0].duration_ns')" \
         -lt 3000000000
check "one file at a time" \
    test "$("$PROVIUM" events "$WORK/runs/latest/events.msgpack" | jq -rs '
        [.[] | select(.kind == "file_dispatched" or .kind == "file_completed")
         | if .kind == "file_dispatched" then 1 else -1 end]
        | reduce .[] as $d ({n: 0, max: 0}; .n += $d | .max = ([.max, .n] | max)) | .max')" -eq 1

$PV --debug-on-failure "$WORK/t" < /dev/null > "$WORK/out" 2> "$WORK/err"
status=$?
check "without a terminal: exit 1" status_is 1
check "without a terminal: one line says it keeps domains instead" \
    err_has "provium: --debug-on-failure: standard input is not a terminal; failed tests' domains are kept, as with --keep-failed"
check "without a terminal: no prompt" sh -c "! grep -q 'provium>' '$WORK/out' '$WORK/err'"
check "without a terminal: the failed file's domain is kept" \
    out_has "kept: domain ${PREFIX}a-top is still running"

# What the file gives the prompt's terminal is escaped: a test's name with
# an escape sequence, a NUL in the failure and in what print() shows.
mkdir "$WORK/esc"
printf '[profile default]\nmemory = 128M\n' > "$WORK/esc/provium.conf"
cat > "$WORK/esc/e.test.lua" <<'LUA'
test("x \27]0;title\7 y", function(t) t:fail("boom\0tail") end)
LUA
$PTY 'expect:provium> ' 'send:print("p\0q")' 'expect:provium> ' 'eof' \
    -- $PV --debug-on-failure "$WORK/esc" > "$WORK/out" 2> "$WORK/err"
status=$?
tr -d '\r' < "$WORK/out" | sed 's/\x1b\[[0-9;]*m//g' > "$WORK/transcript"
mv "$WORK/transcript" "$WORK/out"
check "escaped for the prompt: exit 1" status_is 1
check "escaped for the prompt: the test's name" out_has "test 'x ␛]0;title␇ y' failed:"
check "escaped for the prompt: no other escape sequence" \
    sh -c "! LC_ALL=C grep -q \"$(printf '\033')\" '$WORK/out'"
check "escaped for the prompt: a NUL in the failure" out_has "e.test.lua:1: boom\\x00tail"
check "escaped for the prompt: a NUL in print()" grep -qx 'p\\x00q' "$WORK/out"
