#!/bin/sh
# The LOG_COMPILER of a build configured with --enable-sanitizers: runs one
# test (the command line it is given) with every sanitizer report written to
# a file, and fails the test when there is one.  Left on stderr, a report
# could pass unnoticed: a test that expects a failure (a GTest subprocess
# that must fail, provium exiting 1 or 2) would take the sanitizer's exit for
# it.  The report is printed as TAP diagnostics, then a "Bail out!", which
# the TAP driver counts as an error of the test.
#
# Stacks through GLib (built without frame pointers) need the slow unwinder,
# which makes the tests several times slower; so a test with a report runs
# again with it, for the report that is printed.
reports=$(mktemp -d "${TMPDIR:-/tmp}/pv-sanitizer-XXXXXX") || exit 99
trap 'rm -rf "$reports"' EXIT
options_asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}
options_ubsan=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}
export ASAN_OPTIONS="${options_asan}log_path=$reports/report"
export UBSAN_OPTIONS="${options_ubsan}log_path=$reports/report"

"$@"
status=$?

ls "$reports"/report.* > /dev/null 2>&1 || exit $status

mkdir "$reports/again"
ASAN_OPTIONS="${options_asan}fast_unwind_on_malloc=0:log_path=$reports/again/report" \
UBSAN_OPTIONS="${options_ubsan}log_path=$reports/again/report" \
    "$@" > /dev/null 2>&1
if ls "$reports"/again/report.* > /dev/null 2>&1; then
    echo "# (reports from a second run, with whole stacks)"
    dir=$reports/again
else
    dir=$reports
fi
for report in "$dir"/report.*; do
    sed 's/^/# /' "$report"
done
echo "Bail out! a sanitizer reported an error (above)"
exit $status
