#!/bin/sh
# The bash completion (completion/provium), driven as bash drives it:
# COMP_WORDS and COMP_CWORD set, the completion function called, COMPREPLY
# read.  Commands, options and metavariables come from the provium under
# test; a wrapper adds a command and an option it may not have yet (shell
# PROFILE, --virt-type=kvm|qemu|auto) to show that they complete unedited.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
. "$PV_TEST_SRCDIR/../completion/provium"

export XDG_CONFIG_HOME="$WORK/xdg"
mkdir -p "$WORK/proj/sub/deeper" "$WORK/bin" "$XDG_CONFIG_HOME"
cd "$WORK/proj" || exit 1
printf '[profile alpha]\ncpus = 1\n[profile beta]\nmemory = 1G\n' > provium.conf
printf '[profile gamma]\ncpus = 2\n' > other.conf
printf '[profile broken\n' > broken.conf
echo 'test("a", function(t) end)' > a.test.lua
echo 'test("b", function(t) end)' > sub/b.test.lua
echo notes > notes.txt

cat > "$WORK/bin/provium" <<SH
#!/bin/sh
if [ "\$1 \$2" = "future --help" ]; then
    printf 'Usage:\n  provium future [OPTION…] [PROFILE]\n\nHelp Options:\n'
    printf '  -h, --help                     Show help options\n\nApplication Options:\n'
    printf '  --config=FILE                  Use this provium.conf\n'
    printf '  --virt-type=kvm|qemu|auto      Accelerator\n'
    exit 0
fi
if [ "\$1 \$2" = "__complete commands" ]; then
    "$PROVIUM" "\$@" && echo future
    exit
fi
exec "$PROVIUM" "\$@"
SH
chmod +x "$WORK/bin/provium"
FAKE="$WORK/bin/provium"

# complete_line WORD...: completes the last WORD ("" for a new word) of the
# command line WORD..., the first being the provium to ask; the candidates
# go to $WORK/out, one a line, sorted, and anything printed to $WORK/err.
complete_line() {
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _provium "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" \
        > "$WORK/err" 2>&1
    if ((${#COMPREPLY[@]})); then
        printf '%s\n' "${COMPREPLY[@]}" | sort > "$WORK/out"
    else
        : > "$WORK/out"
    fi
}
has() { grep -qxF -- "$1" "$WORK/out"; }
lacks() { ! has "$1"; }
is() { [ "$(tr '\n' ' ' < "$WORK/out")" = "$1" ]; }
quiet() { [ ! -s "$WORK/err" ]; }

complete_line "$PROVIUM" ""
check "first word: every command" \
    sh -c "for c in list clean events report locks doctor fixture shell history; do grep -qx \$c '$WORK/out' || exit 1; done"
check "first word: not the hidden __complete" lacks __complete
check "first word: test files and directories" sh -c "grep -qx a.test.lua '$WORK/out' && grep -qx sub '$WORK/out'"
check "first word: not other files" lacks notes.txt
check "first word: nothing printed" quiet

complete_line "$PROVIUM" li
check "a command from its start" is "list "

complete_line "$PROVIUM" --keep-f
check "a run's option from --help" is "--keep-failed "

complete_line "$PROVIUM" list --
check "list's own options" sh -c "grep -qx -- --config '$WORK/out' && grep -qx -- --filter '$WORK/out'"
check "not a run's options after list" lacks --keep-failed

complete_line "$PROVIUM" list sub/
check "paths: inside a directory" is "sub/b.test.lua sub/deeper "

complete_line "$PROVIUM" --results-dir ""
check "DIR: directories only" is "sub "

complete_line "$PROVIUM" list --config ""
check "FILE: any file" sh -c "grep -qx notes.txt '$WORK/out' && grep -qx other.conf '$WORK/out'"

complete_line "$PROVIUM" list --config = no
check "FILE after --config= (bash splits at =)" is "notes.txt "

complete_line "$PROVIUM" events ""
check "events FILE: any file" has notes.txt

complete_line "$PROVIUM" clean ""
check "clean takes no argument: nothing" is ""

complete_line "$PROVIUM" clean --prefix ""
check "a value nothing can guess (P): nothing" is ""

complete_line "$PROVIUM" -c ""
check "a short option's value (URI): nothing" is ""

complete_line "$PROVIUM" fixture ""
check "fixture: its commands, from its usage line" is "build list prune "

complete_line "$PROVIUM" fixture prune --
check "fixture: its options" sh -c "grep -qx -- --max-size '$WORK/out' && grep -qx -- --cache-dir '$WORK/out'"

complete_line "$PROVIUM" history ""
check "history: its command, from its usage line" is "merge "

complete_line "$PROVIUM" history merge ""
check "history merge OUT: files" sh -c "grep -qx notes.txt '$WORK/out' && grep -qx sub '$WORK/out'"

complete_line "$PROVIUM" history merge out.json ""
check "history merge OUT IN: files" has notes.txt

complete_line "$PROVIUM" history merge out.json a.json ""
check "history merge OUT IN IN...: files again" has notes.txt

complete_line "$PROVIUM" --shard ""
check "--shard: the word its --help spells out, env" is "env "

complete_line "$PROVIUM" list --shard 1/2 ""
check "a positional argument after an option's value: PATH" is "a.test.lua sub "

complete_line "$PROVIUM" sh
check "shell from its start" is "shell "

complete_line "$PROVIUM" shell ""
check "shell PROFILE: the profiles of ./provium.conf" is "alpha beta default "

complete_line "$PROVIUM" shell --config other.conf ""
check "shell PROFILE: the profiles of --config FILE" is "default gamma "

complete_line "$PROVIUM" shell --p
check "shell's own options" is "--prefix "

# What the provium under test cannot show yet, through the wrapper.
complete_line "$FAKE" fu
check "a new command completes" is "future "

complete_line "$FAKE" future ""
check "PROFILE: the profiles of ./provium.conf" is "alpha beta default "

complete_line "$FAKE" future --config other.conf ""
check "PROFILE: the profiles of --config FILE" is "default gamma "

complete_line "$FAKE" future --config = other.conf ""
check "PROFILE: the profiles of --config=FILE" is "default gamma "

complete_line "$FAKE" future --config broken.conf ""
check "PROFILE of a broken provium.conf: nothing" is ""
check "PROFILE of a broken provium.conf: nothing printed" quiet

complete_line "$FAKE" future --virt-type ""
check "an option whose --help says kvm|qemu|auto" is "auto kvm qemu "

complete_line "$FAKE" future --virt-type = q
check "... after --virt-type= (bash splits at =)" is "qemu "

cd sub/deeper || exit 1
complete_line "$FAKE" future ""
check "PROFILE: provium.conf found in a directory above" is "alpha beta default "
cd "$WORK/proj" || exit 1

check "__complete profiles: sorted, one a line" \
    test "$("$PROVIUM" __complete profiles | tr '\n' ' ')" = "alpha beta default "
"$PROVIUM" __complete bogus > "$WORK/out" 2> "$WORK/err"
status=$?
check "__complete with a wrong argument: exit 2" status_is 2
check "__complete with a wrong argument: one line" err_is_one_line

# The real --virt-type, once provium has it.
if "$PROVIUM" --help | grep -q -- '--virt-type'; then
    complete_line "$PROVIUM" --virt-type ""
    check "provium's own --virt-type values" is "auto kvm qemu "
else
    tap_n=$((tap_n + 1))
    echo "ok $tap_n # SKIP provium has no --virt-type yet"
fi
