#!/bin/sh
# --shard on libvirt's test driver (no guests): a 30-file corpus whose
# files sleep different times, and a duration history made by a first run.
# Every file in exactly one share (time, hash, slice; the examples too),
# time shares within the longest file of each other, GitLab's and Bazel's
# variables, an empty share, the mistakes, provium list --shard and --json,
# the history read by a clone in another directory (and an old one keyed by
# absolute paths), and provium history merge.
. "$(dirname "$0")/lib.sh"

# No CI of the machine running the tests may choose a share here.
unset CI_NODE_INDEX CI_NODE_TOTAL TEST_SHARD_INDEX TEST_TOTAL_SHARDS TEST_SHARD_STATUS_FILE

C="$WORK/corpus"
mkdir -p "$C/net" "$C/disk"
printf '[profile default]\nmemory = 64M\ncpus = 1\n' > "$C/provium.conf"
i=1
while [ $i -le 30 ]; do
    case $((i % 3)) in
        0) dir=$C ;;
        1) dir=$C/net ;;
        *) dir=$C/disk ;;
    esac
    # 20 ms to 580 ms, and three of 900 ms.
    ms=$(( (i * 37) % 560 + 20 ))
    [ $((i % 10)) -eq 0 ] && ms=900
    printf 'test("t%02d", {tags = {"k%d"}}, function(t) provium:sleep("%dms") end)\n' \
        "$i" $((i % 2)) "$ms" > "$dir/f$(printf %02d $i).test.lua"
    i=$((i + 1))
done
# jqe ARGS...: whether jq's filter holds (false without input).
jqe() { [ "$(jq "$@")" = true ]; }
# same A B: A is B, and not empty.
same() { [ -n "$1" ] && [ "$1" = "$2" ]; }
# jq -r over --json's output: the sorted keys, comma-separated.
keys() { jq -r '[.files[].key] | sort | join(",")' "$@"; }
ALL=$(cd "$C" && find . -name '*.test.lua' | sed 's|^\./||' | sort | paste -sd, -)

# The first run writes the history the shares are made from.
run_t --history "$WORK/base.json" "$C"
check "first run: exit 0" status_is 0
check "first run: the history knows the 30 files, by their paths in the corpus" \
    test "$(jq -r '.files | keys | join(",")' "$WORK/base.json")" = "$ALL"

"$PROVIUM" list --json --history "$WORK/base.json" "$C" > "$WORK/all.json" 2> "$WORK/err"
check "list --json: exit 0" test $? -eq 0
check "list --json: its version, the corpus root, the history" \
    test "$(jq -r '[.version, .root, .history] | join(" ")' "$WORK/all.json")" \
         = "1 $C $WORK/base.json"
check "list --json: every file, with its key" test "$(keys "$WORK/all.json")" = "$ALL"
check "list --json: each file's path as discovered" \
    test "$(jq -r '.files[] | select(.key == "net/f01.test.lua") | .path' "$WORK/all.json")" \
         = "$C/net/f01.test.lua"
check "list --json: each file's expected duration, from the history" \
    test "$(jq '[.files[] | select(.expected_ns > 0)] | length' "$WORK/all.json")" -eq 30
check "list --json: tests and their tags" \
    test "$(jq -c '.files[] | select(.key == "f03.test.lua") | .tests' "$WORK/all.json")" \
         = '[{"name":"t03","tags":["k1"]}]'
check "list --json: no shard without --shard" \
    test "$(jq 'has("shard")' "$WORK/all.json")" = false
LONGEST=$(jq '[.files[].expected_ns] | max' "$WORK/all.json")

# Every file in exactly one share, for each way to split.
# time last: its shares are the runs' below.
for mode in hash slice time; do
    : > "$WORK/union"
    k=1
    while [ $k -le 3 ]; do
        "$PROVIUM" list --json --shard "$mode:$k/3" --history "$WORK/base.json" "$C" \
            > "$WORK/share$k.json" 2> "$WORK/err"
        jq -r '.files[].key' "$WORK/share$k.json" >> "$WORK/union"
        k=$((k + 1))
    done
    check "list --shard $mode:K/3: every file in exactly one share" \
        test "$(sort "$WORK/union" | paste -sd, -)" = "$ALL"
    check "list --shard $mode:K/3: each share says how" \
        test "$(jq -r '.shard | "\(.index)/\(.total) \(.mode)"' "$WORK/share3.json")" = "3/3 $mode"
done
"$PROVIUM" list --json --shard 1/3 --history "$WORK/base.json" "$C" > "$WORK/out" 2> "$WORK/err"
check "list --shard K/N: by time when the history knows the files" \
    test "$(jq -r .shard.mode "$WORK/out")" = time
check "list --shard: the shares' expected durations differ by at most the longest file" \
    jqe --argjson longest "$LONGEST" '[.shard.shares[].expected_ns] | max - min <= $longest' \
        "$WORK/out"
check "list --shard: the shares add up to the corpus" \
    jqe '[.shard.shares[].files] | add == 30' "$WORK/out"
"$PROVIUM" list --shard 2/3 --history "$WORK/base.json" "$C" > "$WORK/out" 2> "$WORK/err"
check "list --shard (text): the share's files on standard output" \
    test "$(grep -c '\.test\.lua$' "$WORK/out")" -eq \
         "$(jq '.shard.shares[1].files' "$WORK/share2.json")"
check "list --shard (text): which share, on stderr" err_has "share 2/3 by time (partition "
"$PROVIUM" list --json --shard 1/3 --history "$WORK/nothing.json" "$C" > "$WORK/out" 2> "$WORK/err"
check "list --shard K/N without a history: by hash" test "$(jq -r .shard.mode "$WORK/out")" = hash

# The runs of the three shares, each from its own copy of the history, as CI jobs.
: > "$WORK/union"
passed=0
k=1
while [ $k -le 3 ]; do
    cp "$WORK/base.json" "$WORK/h$k.json"
    run_t --shard "$k/3" --history "$WORK/h$k.json" "$C"
    check "run --shard $k/3: exit 0" status_is 0
    check "run --shard $k/3: the startup line says which share and how many files" \
        grep -q "; share $k/3 by time (partition [0-9a-f]*): [0-9]* of 30 files, the longest share expected to take " "$WORK/err"
    check "run --shard $k/3: and this share's expected run time" err_has "; expected run time "
    ev_paths=$(events '[.[] | select(.kind == "file_discovered") | .path] | sort | join(",")' | tr -d '"')
    check "run --shard $k/3: the files list --shard $k/3 shows" \
        same "$ev_paths" "$(jq -r '[.files[].path] | sort | join(",")' "$WORK/share$k.json")"
    events '.[] | select(.kind == "file_completed") | .path' | tr -d '"' >> "$WORK/union"
    passed=$((passed + $(events '[.[] | select(.kind == "test_passed")] | length')))
    k=$((k + 1))
done
check "run --shard K/3: every file ran in exactly one share" \
    test "$(sed "s|^$C/||" "$WORK/union" | sort | paste -sd, -)" = "$ALL"
check "run --shard K/3: every test passed once" test "$passed" -eq 30

"$PROVIUM" history merge "$WORK/merged.json" "$WORK/h1.json" "$WORK/h2.json" "$WORK/h3.json" \
    > "$WORK/out" 2> "$WORK/err"
check "history merge: exit 0" test $? -eq 0
check "history merge: says how many files" out_has "$WORK/merged.json knows 30 files"
check "history merge: every file" \
    test "$(jq -r '.files | keys | join(",")' "$WORK/merged.json")" = "$ALL"
check "history merge: of each file, the entry of the shard that ran it (its second run)" \
    jqe '[.files[].runs] | all(. == 2)' "$WORK/merged.json"
"$PROVIUM" history merge "$WORK/m2.json" "$WORK/h1.json" "$WORK/missing.json" \
    > "$WORK/out" 2> "$WORK/err"
check "history merge of a missing file: exit 2" test $? -eq 2
check "history merge of a missing file: one line naming it" \
    sh -c "grep -qF '$WORK/missing.json' '$WORK/err' && [ \$(wc -l < '$WORK/err') -eq 1 ]"
check "history merge of a missing file: nothing written" test ! -e "$WORK/m2.json"
"$PROVIUM" history merge "$WORK/m2.json" > "$WORK/out" 2> "$WORK/err"
check "history merge without IN: exit 2, one line saying so" \
    sh -c "[ $? -eq 2 ] && [ \$(wc -l < '$WORK/err') -eq 1 ] && grep -q 'OUT and at least one IN' '$WORK/err'"
"$PROVIUM" history > "$WORK/out" 2> "$WORK/err"
check "history without a command: exit 2, one line naming merge" \
    sh -c "[ $? -eq 2 ] && [ \$(wc -l < '$WORK/err') -eq 1 ] && grep -q 'merge OUT IN' '$WORK/err'"

# GitLab's parallel: and Bazel's shard_count.
"$PROVIUM" list --json --shard 2/3 --history "$WORK/base.json" "$C" > "$WORK/want.json"
CI_NODE_INDEX=2 CI_NODE_TOTAL=3 "$PROVIUM" list --json --shard env --history "$WORK/base.json" \
    "$C" > "$WORK/out" 2> "$WORK/err"
check "GitLab: CI_NODE_INDEX=2 CI_NODE_TOTAL=3 is share 2/3" \
    same "$(keys "$WORK/out")" "$(keys "$WORK/want.json")"
CI_NODE_TOTAL=1 "$PROVIUM" list --json --shard env --history "$WORK/base.json" \
    "$C" > "$WORK/out" 2> "$WORK/err"
check "GitLab: CI_NODE_TOTAL=1 alone (no parallel:) is the whole corpus" \
    test "$(keys "$WORK/out")" = "$ALL"
cp "$WORK/base.json" "$WORK/bazel.json"
export TEST_SHARD_INDEX=1 TEST_TOTAL_SHARDS=3 TEST_SHARD_STATUS_FILE="$WORK/status"
run_t --shard env --history "$WORK/bazel.json" "$C"
unset TEST_SHARD_INDEX TEST_TOTAL_SHARDS TEST_SHARD_STATUS_FILE
check "Bazel: exit 0" status_is 0
check "Bazel: TEST_SHARD_INDEX=1 TEST_TOTAL_SHARDS=3 is share 2/3" \
    same "$(events '[.[] | select(.kind == "file_discovered") | .path] | sort | join(",")' | tr -d '"')" \
         "$(jq -r '[.files[].path] | sort | join(",")' "$WORK/want.json")"
check "Bazel: TEST_SHARD_STATUS_FILE touched" test -f "$WORK/status"
run_t --shard env "$C"
check "--shard env without a CI's variables: exit 2" status_is 2
check "--shard env without a CI's variables: one line" err_is_one_line
check "--shard env without a CI's variables: it names them" \
    sh -c "for v in CI_NODE_INDEX CI_NODE_TOTAL TEST_SHARD_INDEX TEST_TOTAL_SHARDS; do grep -q \$v '$WORK/err' || exit 1; done"
export CI_NODE_INDEX=4 CI_NODE_TOTAL=3
run_t --shard env "$C"
unset CI_NODE_INDEX CI_NODE_TOTAL
check "CI_NODE_INDEX=4 CI_NODE_TOTAL=3: exit 2, one line naming both" \
    sh -c "[ $status -eq 2 ] && [ \$(wc -l < '$WORK/err') -eq 1 ] && grep -q 'CI_NODE_INDEX=4 and CI_NODE_TOTAL=3' '$WORK/err'"

# Mistakes: one line naming the option, exit 2, nothing run.
runs_before=$(ls "$WORK/runs" | wc -l)
for bad in 0/3 4/3 3 x/3 1/3/3 hash: hash:1 count:1/3 ' 1/3' 1/0; do
    run_t --shard "$bad" "$C"
    check "--shard '$bad': exit 2, one line naming --shard" \
        sh -c "[ $status -eq 2 ] && [ \$(wc -l < '$WORK/err') -eq 1 ] && grep -q '^provium: --shard: ' '$WORK/err'"
done
run_t --history "$WORK" "$C"
check "--history DIR: exit 2, one line" sh -c "[ $status -eq 2 ] && [ \$(wc -l < '$WORK/err') -eq 1 ] && grep -q -- '--history' '$WORK/err'"
run_t --history "$WORK/nosuchdir/h.json" "$C"
check "--history in no directory: exit 2, one line" sh -c "[ $status -eq 2 ] && [ \$(wc -l < '$WORK/err') -eq 1 ]"
check "the mistakes ran nothing" test "$(ls "$WORK/runs" | wc -l)" -eq "$runs_before"

# A share may be empty: 2 files in 3 shares.
mkdir "$WORK/two"
echo 'test("a", function(t) end)' > "$WORK/two/a.test.lua"
echo 'test("b", function(t) end)' > "$WORK/two/b.test.lua"
empty=0
ran=0
k=1
while [ $k -le 3 ]; do
    run_t --shard "hash:$k/3" --history "$WORK/two.json" --junit "$WORK/two$k.xml" \
        --save-events "$WORK/two$k.msgpack" "$WORK/two"
    check "2 files, share $k/3: exit 0" status_is 0
    partition=$(sed -n 's/.*; share [0-9]*\/3 by hash (partition \([0-9a-f]*\)).*/\1/p' "$WORK/err")
    check "2 files, share $k/3: run_started says which share, of which partition" \
        test "$(events '.[] | select(.kind == "run_started") | .shard | "\(.index)/\(.total) \(.mode) \(.partition) \(.files)"' | tr -d '"')" = "$k/3 hash $partition 2"
    if grep -q "^provium: share $k/3 is empty (2 files in 3 shares): nothing to run$" "$WORK/err"; then
        empty=$((empty + 1))
        check "an empty share: its JUnit file has no test case" \
            test "$(xmllint --xpath 'count(//testcase)' "$WORK/two$k.xml")" -eq 0
    fi
    ran=$((ran + $(events '[.[] | select(.kind == "test_passed")] | length')))
    k=$((k + 1))
done
check "2 files in 3 shares: one share at least is empty, and says so" test "$empty" -ge 1
check "2 files in 3 shares: each file ran once" test "$ran" -eq 2

# provium report of the jobs' streams says which share each ran, and fails
# (exit 1, one line each) when they split the files differently or a share
# is missing: tests did not run.
"$PROVIUM" report "$WORK/two1.msgpack" "$WORK/two2.msgpack" "$WORK/two3.msgpack" \
    > "$WORK/out" 2> "$WORK/err"
status=$?
check "report of the 3 shares: exit 0" status_is 0
check "report of the 3 shares: each stream's share" \
    test "$(grep -c '^  \[\([123]\)\] .*, share \1/3: ' "$WORK/out")" -eq 3
check "report of the 3 shares: nothing missing, nothing twice" \
    sh -c "! grep -q -e 'missing' -e 'otherwise' -e 'streams: ' '$WORK/out'"
"$PROVIUM" report "$WORK/two1.msgpack" "$WORK/two3.msgpack" > "$WORK/out" 2> "$WORK/err"
status=$?
check "report without share 2: exit 1" status_is 1
check "report without share 2: one line saying so" \
    test "$(grep -c '^share 2/3 of partition [0-9a-f]* is missing: ' "$WORK/out")" -eq 1
run_t --shard "hash:2/3" --history "$WORK/two.json" --save-events "$WORK/two2again.msgpack" \
    "$WORK/two"
"$PROVIUM" report "$WORK/two1.msgpack" "$WORK/two2.msgpack" "$WORK/two3.msgpack" \
    "$WORK/two2again.msgpack" > "$WORK/out" 2> "$WORK/err"
status=$?
check "report with share 2 run again: exit 0" status_is 0
check "report with share 2 run again: one line saying so" \
    test "$(grep -c '^share 2/3 of partition [0-9a-f]* is in 2 streams: \[2\], \[4\]$' "$WORK/out")" -eq 1
for k in 1 2 3; do
    "$PROVIUM" report --html "$WORK/two$k.html" "$WORK/two$k.msgpack" > "$WORK/out" 2> "$WORK/err"
    if [ "$(xmllint --xpath 'count(//*[local-name()="tr"][@class="r-file"])' "$WORK/two$k.html")" -eq 0 ]; then
        check "the page of an empty share says so" \
            xmllint --xpath '//*[local-name()="p"][@class="share"][starts-with(., "share '$k'/3 by hash (partition ")][contains(., ": empty, none of the 2 files")]' "$WORK/two$k.html"
    fi
done
# Jobs that read different histories: one without its own falls back to
# hash, the others pack by time; their partitions differ.
k=1
for history in two.json nohistory.json two.json; do
    run_t --shard "$k/3" --history "$WORK/$history" --save-events "$WORK/mixed$k.msgpack" \
        "$WORK/two"
    k=$((k + 1))
done
check "a job without the history: by hash" \
    test "$("$PROVIUM" events "$WORK/mixed2.msgpack" --kind run_started | jq -r .shard.mode)" = hash
"$PROVIUM" report "$WORK/mixed1.msgpack" "$WORK/mixed2.msgpack" "$WORK/mixed3.msgpack" \
    > "$WORK/out" 2> "$WORK/err"
status=$?
check "report of jobs that split the files differently: exit 1" status_is 1
check "report of jobs that split the files differently: one line saying so" \
    test "$(grep -c '^\[2\] split the selection otherwise than \[1\]: share 2/3 of partition [0-9a-f]* (hash, 2 files), not of [0-9a-f]* (time, 2 files)' "$WORK/out")" -eq 1

# Each CI job with its own results directory: --rerun-failed --shard K/N
# reruns the failures of that job's share, as they are, not split again
# (split, b of share 2 went to share 1, and share 2 was empty and exited 0).
mkdir "$WORK/six" "$WORK/jobs"
for n in a b c d e f; do
    echo "test(\"$n\", function(t) end)" > "$WORK/six/$n.test.lua"
done
echo 'test("b", function(t) t:fail("b fails") end)' > "$WORK/six/b.test.lua"
# job K ARGS...: share K's CI job, in its own results directory; sets $status.
job() {
    k=$1
    shift
    "$PROVIUM" -c "$T" --prefix "$PREFIX" --no-psi --no-ksm --results-dir "$WORK/jobs/r$k" \
        --history "$WORK/jobs/h$k.json" "$@" > "$WORK/out" 2> "$WORK/err"
    status=$?
}
for k in 1 2 3; do
    job $k --shard "slice:$k/3" "$WORK/six"
done
check "six files by slice: b failed in share 2 (exit 1)" \
    test "$(cat "$WORK/jobs/r2/latest/failed.list")" = "$WORK/six/b.test.lua"
check "the run directory says which share it ran" \
    grep -qx 'index=2' "$WORK/jobs/r2/latest/share.ini"
job 2 --rerun-failed --shard "slice:2/3" "$WORK/six"
check "--rerun-failed --shard 2/3: share 2's failure runs again, and fails (exit 1)" status_is 1
check "--rerun-failed --shard 2/3: the file that failed, and only it" \
    test "$("$PROVIUM" events "$WORK/jobs/r2/latest" --kind file_discovered | jq -r .path)" = "$WORK/six/b.test.lua"
check "--rerun-failed --shard 2/3: the startup line says so" \
    err_has "share 2/3 by slice (partition "
check "--rerun-failed --shard 2/3: it stands for share 2 of the same partition" \
    test "$("$PROVIUM" events "$WORK/jobs/r2/latest" --kind run_started | jq -r '.shard | "\(.index)/\(.total) \(.partition) \(.files)"')" = \
         "2/3 $("$PROVIUM" events "$WORK/jobs/r1/latest" --kind run_started | jq -r .shard.partition) 6"
for k in 1 3; do
    job $k --rerun-failed --shard "slice:$k/3" "$WORK/six"
    check "--rerun-failed --shard $k/3: nothing failed in share $k, exit 0" \
        sh -c "[ $status -eq 0 ] && grep -q 'no file failed in the latest run of share $k/3' '$WORK/err'"
done
# A run that runs nothing (its share empty) keeps the failures of the run of
# its share before it listed: --rerun-failed, with --shard or not, still
# reruns b.
job 2 --shard "slice:2/3" --filter /a.test "$WORK/six"
check "an empty share after a failure: exit 0" status_is 0
check "an empty share after a failure: says it keeps b listed" \
    err_has "its list of failed files keeps the 1 file that failed in run "
check "an empty share after a failure: latest's failed list still has b" \
    test "$(cat "$WORK/jobs/r2/latest/failed.list")" = "$WORK/six/b.test.lua"
job 2 --rerun-failed --shard "slice:2/3" "$WORK/six"
check "--rerun-failed --shard 2/3 after the empty run: b runs again" \
    sh -c "[ $status -eq 1 ] && [ \"\$('$PROVIUM' events '$WORK/jobs/r2/latest' --kind file_discovered | jq -r .path)\" = '$WORK/six/b.test.lua' ]"
job 2 --shard "slice:2/3" --filter /a.test "$WORK/six"
job 2 --rerun-failed "$WORK/six"
check "--rerun-failed without --shard after the empty run: b runs again" \
    sh -c "[ $status -eq 1 ] && [ \"\$('$PROVIUM' events '$WORK/jobs/r2/latest' --kind file_discovered | jq -r .path)\" = '$WORK/six/b.test.lua' ]"
# One results directory for every job: each reruns its own share's failures.
for k in 1 2 3; do
    job all --shard "slice:$k/3" "$WORK/six"
done
job all --rerun-failed --shard "slice:2/3" "$WORK/six"
check "one results directory, --rerun-failed --shard 2/3 after share 3 ran: b" \
    sh -c "[ $status -eq 1 ] && [ \"\$('$PROVIUM' events '$WORK/jobs/rall/latest' --kind file_discovered | jq -r .path)\" = '$WORK/six/b.test.lua' ]"
job all --rerun-failed --shard "slice:1/4" "$WORK/six"
check "--rerun-failed --shard 1/4 where no run of it or of the whole selection is: exit 2, one line" \
    sh -c "[ $status -eq 2 ] && [ \$(wc -l < '$WORK/err') -eq 1 ] && grep -q 'no earlier run of share 1/4, nor of the whole selection' '$WORK/err'"
# A run of the whole selection: its failures are split into shares, and an
# empty share's run after it changes nothing.
job all "$WORK/six"
job all --shard "slice:3/3" --filter /a.test "$WORK/six"
check "an empty share after a run of the whole selection: latest's failed list still has b" \
    test "$(cat "$WORK/jobs/rall/latest/failed.list")" = "$WORK/six/b.test.lua"
: > "$WORK/union"
: > "$WORK/listed"
for k in 1 2 3; do
    job all --rerun-failed --shard "slice:$k/3" "$WORK/six"
    "$PROVIUM" events "$WORK/jobs/rall/latest" --kind file_discovered | jq -r .path >> "$WORK/union"
done
check "after a run of the whole selection, --rerun-failed --shard K/3: b once over the shares" \
    test "$(cat "$WORK/union")" = "$WORK/six/b.test.lua"
# Two failures, split over the shares: a share that reruns one lists its own
# failure only (an empty share carries the run's, above).
cp "$WORK/six/e.test.lua" "$WORK/e.keep"
echo 'test("e", function(t) t:fail("e fails") end)' > "$WORK/six/e.test.lua"
job all "$WORK/six"
for k in 1 2 3; do
    job all --rerun-failed --shard "slice:$k/3" "$WORK/six"
    grep -q "is empty" "$WORK/err" || cat "$WORK/jobs/rall/latest/failed.list" >> "$WORK/listed"
done
check "two failures split: each share's run lists its own failure, not the other's" \
    test "$(sort "$WORK/listed" | tr '\n' ,)" = "$WORK/six/b.test.lua,$WORK/six/e.test.lua,"
cp "$WORK/e.keep" "$WORK/six/e.test.lua"

# The history travels: a clone in another directory reads it.
cp -r "$C" "$WORK/clone"
"$PROVIUM" list --json --history "$WORK/merged.json" "$WORK/clone" > "$WORK/out" 2> "$WORK/err"
check "a clone elsewhere: list --json knows every file's duration" \
    test "$(jq '[.files[] | select(.expected_ns > 0)] | length' "$WORK/out")" -eq 30
cp "$WORK/merged.json" "$WORK/clone.json"
run_t --history "$WORK/clone.json" "$WORK/clone"
check "a clone elsewhere: its run expects a run time from the history" \
    err_has "; expected run time "
check "a clone elsewhere: and updates the same files" \
    jqe '[.files[].runs] | all(. == 3)' "$WORK/clone.json"
# ... and so does one with the default results directory inside it.
(cd "$C" && "$PROVIUM" -c "$T" --prefix "$PREFIX" --no-psi --no-ksm -q . > "$WORK/out" 2> "$WORK/err")
check "default results directory: the run writes its history there" \
    test -f "$C/.provium/runs/history.json"
cp -r "$C" "$WORK/moved"
(cd "$WORK/moved" && "$PROVIUM" list --json . > "$WORK/out" 2> "$WORK/err")
check "a moved clone with its .provium: list --json reads its history" \
    test "$(jq '[.files[] | select(.expected_ns > 0)] | length' "$WORK/out")" -eq 30
# An older provium's history, keyed by absolute paths: the files under the root are read.
jq --arg root "$C/" '{version: 1, files: (.files | with_entries(.key = $root + .key)
                      | .["/elsewhere/x.test.lua"] = {duration_ns: 5, runs: 1})}' \
    "$WORK/base.json" > "$WORK/v1.json"
"$PROVIUM" list --json --history "$WORK/v1.json" "$C" > "$WORK/out" 2> "$WORK/err"
check "an old history keyed by absolute paths: read for the files under the root" \
    test "$(jq '[.files[] | select(.expected_ns > 0)] | length' "$WORK/out")" -eq 30

# The examples, in three shares.
EX="$PV_TEST_SRCDIR/../examples"
: > "$WORK/union"
for k in 1 2 3; do
    "$PROVIUM" list --json --shard "$k/3" --history "$WORK/none.json" "$EX" \
        >> "$WORK/union" 2> "$WORK/err"
done
check "examples: every file in exactly one of 3 shares" \
    test "$(jq -rs '[.[].files[].key] | sort | join(",")' "$WORK/union")" \
         = "$(cd "$EX" && find . -name '*.test.lua' | sed 's|^\./||' | LC_ALL=C sort | paste -sd, -)"

check "nothing left" no_domains_left
