#!/bin/sh
# provium shell with a real guest, driven through a pseudo-terminal: the
# profile of the provium.conf found from the current directory boots, the
# prompt names its console and has it as `vm`; Ctrl-D destroys it, and so
# do Ctrl-C and a terminal that goes away (SIGHUP; exit 130).  Nothing is
# left: no domain, no temporary directory.  A profile's name reaches the Lua as it is, quotes and all.
# tests/shell.sh has its mistakes.
. "$(dirname "$0")/../lib.sh"

write_conf
# Quotes, a backslash, Lua's comment: nothing of it may be read as Lua.
ODD="it's \"odd\" \\ --"
cat >> "$WORK/provium.conf" <<CONF

[profile $ODD]
kernel = $PV_TEST_IMAGE/vmlinuz
initrd = $PV_TEST_IMAGE/initrd.img
cmdline = console=ttyS0 quiet no_timer_check
memory = 192M
CONF
mkdir "$WORK/sub"
cd "$WORK/sub" || exit 1
PTY="python3 $PV_TEST_SRCDIR/pty-session.py"

# session STEP...: provium shell [$profile] under a terminal; the transcript, as a
# person reads it (no carriage returns, no colors), goes to $WORK/out.
session() {
    $PTY "$@" -- "$PROVIUM" shell -c "$URI" --prefix "$PREFIX" ${profile:+"$profile"} \
        > "$WORK/raw" 2> "$WORK/err"
    status=$?
    tr -d '\r' < "$WORK/raw" | sed 's/\x1b\[[0-9;]*m//g' > "$WORK/out"
}

profile=
session 'expect:provium> ' 'send:vm:run("uname -s").stdout' \
    'expect:provium> ' 'send:t.name' \
    'expect:provium> ' 'eof'
check "Ctrl-D: exit 0" status_is 0
check "the VM's console, for virsh" \
    out_has "provium: profile 'default' is up: virsh -c $URI console ${PREFIX}shell-shell"
check "how to leave" out_has "Ctrl-D or 'cont' destroys it and exits"
check "vm:run() reaches the guest" grep -qx '"Linux\\n"' "$WORK/out"
check "t is in scope" grep -qx '"shell"' "$WORK/out"
check "no domain left after Ctrl-D" no_domains_left
check "nothing recorded in the current directory" test -z "$(ls -A "$WORK/sub")"

profile=$ODD
session 'expect:provium> ' 'send:vm:run("free -m"):ok()' 'expect:provium> ' 'intr' \
    'expect:cancelled'
check "Ctrl-C: exit 130" status_is 130
check "a profile named with quotes and a backslash boots" out_has "provium: profile '$ODD' is up"
check "... its VM answers" grep -qx 'true' "$WORK/out"
check "no domain left after Ctrl-C" no_domains_left
dir=$(sed -n 's|^\(/[^ ]*/provium-shell-[^/]*\)/shell.test.lua.*|\1|p' "$WORK/out" | head -1)
check "its temporary directory is gone" sh -c "[ -n '$dir' ] && [ ! -e '$dir' ]"

# The terminal goes away (an ssh session dropped): SIGHUP ends the shell as
# Ctrl-C does.
profile=
mkdir "$WORK/tmp"
export TMPDIR="$WORK/tmp"
session 'expect:provium> ' 'send:vm:run("true"):ok()' 'expect:true' 'hangup'
unset TMPDIR
check "hangup: exit 130" status_is 130
check "no domain left after a hangup" no_domains_left
check "its temporary directory is gone after a hangup" test -z "$(ls -A "$WORK/tmp")"
