#!/bin/sh
# Every kind of event is emitted somewhere: each constructor of
# src/events/pv-event-kinds.c's schema is called from outside src/events/.
# (With tests/test-events, which holds the schema to doc/events.md, a kind
# documented but never emitted fails.)
top=$PV_TEST_SRCDIR/..
n=0
failed=0
for constructor in $(sed -n 's/^    { "[a-z_]*", "\(pv_event_[a-z_]*\)",.*/\1/p' \
                         "$top/src/events/pv-event-kinds.c" | sort -u); do
    n=$((n + 1))
    if grep -rq --include='*.c' "$constructor(" "$top/src" --exclude-dir=events; then
        echo "ok $n - $constructor is called"
    else
        echo "not ok $n - $constructor is never called: its kind is never emitted"
        failed=1
    fi
done
if [ "$n" -lt 10 ]; then
    n=$((n + 1))
    echo "not ok $n - the schema's constructors were not found in pv-event-kinds.c"
fi
echo "1..$n"
