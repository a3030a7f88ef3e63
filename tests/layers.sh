#!/bin/sh
# src/ keeps the seams doc/architecture.md describes, which a later change
# builds on:
# - every libvirt call is in src/libvirt/: nothing above it calls libvirt
#   itself (so a remote host, a lost connection or a new libvirt is met in
#   one folder).
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
echo "1..$n"
