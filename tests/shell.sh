#!/bin/sh
# provium shell's mistakes, on libvirt's test driver (nothing boots): an
# unknown profile names itself and the provium.conf, without a terminal
# it says it needs one; each is one line and exit 2, before anything is
# created.  Its prompt in the test files of a run is not there.
# tests/e2e/shell.sh boots a VM in it through a pseudo-terminal.
. "$(dirname "$0")/lib.sh"

mkdir "$WORK/p" "$WORK/p/sub"
printf '[profile default]\nmemory = 128M\n[profile small]\nmemory = 64M\n' > "$WORK/p/provium.conf"
printf '[profile other]\nmemory = 64M\n' > "$WORK/other.conf"
cd "$WORK/p/sub" || exit 1

shell() {
    "$PROVIUM" "$@" < /dev/null > "$WORK/out" 2> "$WORK/err"
    status=$?
}
no_temp_dir_left() { [ -z "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'provium-shell-*' -newer "$WORK/p/provium.conf" 2>/dev/null)" ]; }

shell shell -c "$T" nosuch
check "unknown profile: exit 2" status_is 2
check "... one line" err_is_one_line
check "... naming the profile and the provium.conf found from here" \
    err_has "provium: unknown profile 'nosuch' in $WORK/p/provium.conf (profiles: default, small)"
check "... nothing on stdout" test ! -s "$WORK/out"

shell shell --config "$WORK/other.conf" small
check "unknown profile of --config FILE: exit 2" status_is 2
check "... naming that file" err_has "unknown profile 'small' in $WORK/other.conf (profiles: default, other)"
check "... one line" err_is_one_line

shell -c "$T" --config "$WORK/other.conf" shell
check "no PROFILE: 'default'; global options before the command" status_is 2
check "... said without a terminal" \
    err_has "provium: shell opens a Lua prompt: it needs a terminal on standard input and standard error"
check "... one line" err_is_one_line

shell shell -c "$T" small
check "no terminal: exit 2" status_is 2
check "... one line" err_is_one_line
check "... saying so" err_has "it needs a terminal on standard input and standard error"
check "... no domain" no_domains_left
check "... no temporary directory left" no_temp_dir_left

shell shell --config "$WORK/nosuch.conf"
check "--config FILE that does not exist: exit 2, one line" \
    sh -c "[ $status -eq 2 ] && [ \$(wc -l < '$WORK/err') -eq 1 ] && grep -qF -- '--config: $WORK/nosuch.conf: no such file' '$WORK/err'"

shell shell small default
check "two profiles: exit 2, one line" \
    sh -c "[ $status -eq 2 ] && [ \$(wc -l < '$WORK/err') -eq 1 ] && grep -qF 'shell takes one PROFILE' '$WORK/err'"

"$PROVIUM" --help > "$WORK/out" 2>&1
check "--help lists it among the other commands" out_has "provium shell [PROFILE]"
check "... not its hidden run option" sh -c "! grep -q shell-prompt '$WORK/out'"

cat > "$WORK/p/a.test.lua" <<'LUA'
test("the shell's prompt is not a test file's", function(t)
    t:assert_eq(nil, provium_shell_prompt)
end)
LUA
run_t "$WORK/p/a.test.lua"
check "a run's test files do not see provium_shell_prompt" status_is 0
