#!/bin/sh
# src/ keeps the seams doc/architecture.md describes, which a later change
# builds on:
# - every libvirt call is in src/libvirt/: nothing above it calls libvirt
#   itself (so a remote host, a lost connection or a new libvirt is met in
#   one folder);
# - src/vm/ reads the run and its file only through a VM's context
#   (pv-vm-context.c), and asks the file only what it does as its VMs'
#   owner: the run's notes and templates are the only run functions the
#   rest of vm/ calls.
top=$PV_TEST_SRCDIR/..
n=0

# C code of src/ outside src/libvirt/, without comments, each line named
# FILE:LINE: what a rule below must not find there.
code_outside() {
    for f in $(cd "$top" && ls src/*.c src/*/*.c | grep -v "^src/$1/"); do
        awk -v f="$f" '
            { line = $0 }
            in_comment { if (sub(/.*\*\//, "", line)) in_comment = 0; else next }
            { gsub(/\/\*[^*]*\*+([^\/*][^*]*\*+)*\//, "", line) }
            sub(/\/\*.*/, "", line) { in_comment = 1 }
            { print f ":" NR ": " line }' "$top/$f"
    done
}

calls=$(code_outside libvirt | grep -E '\<vir[A-Z][A-Za-z]+\(')
n=$((n + 1))
if [ -z "$calls" ]; then
    echo "ok $n - every libvirt call is in src/libvirt/"
else
    echo "not ok $n - libvirt is called outside src/libvirt/:"
    printf '%s\n' "$calls" | sed 's/^/#   /'
fi
# The rule must be able to fail: src/libvirt/ itself calls libvirt.
n=$((n + 1))
if code_outside none | grep -q '^src/libvirt/.*\<virDomainCreateXML('; then
    echo "ok $n - the rule sees src/libvirt/'s calls"
else
    echo "not ok $n - the rule does not see the calls it looks for"
fi

# vm/'s calls into the run and the file, but for its context's.
vm_code() {
    for f in $(cd "$top" && ls src/vm/*.c | grep -v '^src/vm/pv-vm-context\.c$'); do
        awk -v f="$f" '{ print f ":" NR ": " $0 }' "$top/$f" | grep -v ':[0-9]*: *\*'
    done
}
reads=$(vm_code | grep -E '\<pv_run_[a-z_]+\(' | grep -vE '\<pv_run_(note|get_template)\(')
reads="$reads$(vm_code | grep -E '\<pv_file_peek_(path|abs_path|stem|wake|run|host)\(')"
n=$((n + 1))
if [ -z "$reads" ]; then
    echo "ok $n - vm/ reads the run and its file through its context"
else
    echo "not ok $n - vm/ reads the run or its file past its context:"
    printf '%s\n' "$reads" | sed 's/^/#   /'
fi
n=$((n + 1))
if grep -q '\<pv_run_peek_id(' "$top/src/vm/pv-vm-context.c"; then
    echo "ok $n - the rule sees the context's reads"
else
    echo "not ok $n - the rule does not see the reads it looks for"
fi
echo "1..$n"
