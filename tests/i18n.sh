#!/bin/sh
# The German translation (po/de.po) as a user meets it: LANGUAGE=de under
# the C.UTF-8 locale (built into glibc, so no locale needs generating, which
# tools/setup-debian.sh does not do; with LANG=de_DE.UTF-8 but no such
# locale, setlocale() fails and gettext stays English).  --help, a usage
# error, a run's summary with its plural forms and provium report speak
# German; the event stream, --json and --junit are the same as an English
# run's but for times and ids.  On libvirt's test driver: no guests.
. "$(dirname "$0")/lib.sh"

T="test:///default"
gmo="$PV_TEST_SRCDIR/../po/de.gmo"
mkdir -p "$WORK/locale/de/LC_MESSAGES"
cp "$gmo" "$WORK/locale/de/LC_MESSAGES/provium.mo" 2>/dev/null
export PROVIUM_LOCALEDIR="$WORK/locale"
unset LANGUAGE

# in_lang LANG COMMAND...: COMMAND with LANGUAGE=LANG ("" for English).
in_lang() {
    in_lang_l=$1
    shift
    if [ -n "$in_lang_l" ]; then LANGUAGE=$in_lang_l "$@"; else "$@"; fi
}

# run_in LANG ARGS...: provium on the test driver; stdout, stderr, $status.
run_in() {
    run_in_l=$1
    shift
    in_lang "$run_in_l" "$PROVIUM" -c "$T" --prefix "$PREFIX" --results-dir "$WORK/runs" \
        --no-psi --no-ksm "$@" > "$WORK/out" 2> "$WORK/err"
    status=$?
}

check "po/de.gmo is built" test -f "$WORK/locale/de/LC_MESSAGES/provium.mo"

LANGUAGE=de "$PROVIUM" --help > "$WORK/out" 2> "$WORK/err"
status=$?
check "--help: exit 0" status_is 0
check "--help: in German" out_has "Führt jede *.test.lua-Datei unter den PFADen aus"
check "--help: option descriptions in German" \
    out_has "Nur Testdateien ausführen, deren Pfad TEXT enthält"
check "--help: option names unchanged" out_has "--fail-fast"
"$PROVIUM" --help > "$WORK/out" 2> "$WORK/err"
check "--help without LANGUAGE: English" out_has "Runs every *.test.lua file under the PATHs"

LANGUAGE=de "$PROVIUM" list --help > "$WORK/out" 2> "$WORK/err"
check "list --help: in German" out_has "Listet die Testdateien unter den PFADen"

mkdir "$WORK/t"
run_in de --mem nonsense "$WORK/t"
check "bad --mem: exit 2" status_is 2
check "bad --mem: one German line" \
    grep -qx "provium: --mem: ungültige Größe 'nonsense' (z.B. 16G schreiben)" "$WORK/err"
run_in de --verbose --quiet "$WORK/t"
check "contradicting options: exit 2" status_is 2
check "contradicting options: German" \
    grep -qx "provium: --verbose und --quiet widersprechen sich; eines davon wählen" "$WORK/err"

cat > "$WORK/t/a.test.lua" <<'LUA'
test("passes", function(t)
    print("hello from a")
    provium:vm("v"):boot({agent = false})
end)
test("fails", function(t) t:fail("went wrong") end)
test("skipped", {skip = "not today"}, function(t) end)
test("bad size", function(t) provium:vm("w"):boot({agent = false, memory = "nonsense"}) end)
LUA
echo 'test("broken", function(t) end' > "$WORK/t/b.test.lua"
echo 'test("fine", function(t) end)' > "$WORK/t/c.test.lua"

# One file that could not run, then two: the plural forms.
run_in de --jobs 1 "$WORK/t/a.test.lua" "$WORK/t/b.test.lua"
check "one broken file: exit 2" status_is 2
check "summary: singular" grep -qx "1 Datei konnte nicht ausgeführt werden (siehe oben)" "$WORK/out"
check "summary: the counts" grep -qx "1 bestanden, 2 fehlgeschlagen, 1 übersprungen" "$WORK/out"
cp "$WORK/t/b.test.lua" "$WORK/t/d.test.lua"
run_in de --jobs 1 "$WORK/t"
check "summary: plural" grep -qx "2 Dateien konnten nicht ausgeführt werden (siehe oben)" "$WORK/out"
check "summary: the counts again" grep -qx "2 bestanden, 2 fehlgeschlagen, 1 übersprungen" "$WORK/out"
check "summary: test names and their reasons untouched" \
    sh -c "grep -q 'FAIL  bad size' '$WORK/out' && grep -q \"invalid size 'nonsense'\" '$WORK/out'"

LANGUAGE=de "$PROVIUM" report "$WORK/runs/latest/events.msgpack" > "$WORK/out" 2> "$WORK/err"
check "report: German, with plural forms" \
    sh -c "grep -q '^Lauf .* auf $T: 4 Dateien in ' '$WORK/out' &&
           grep -q '^Dateien nach Dauer:' '$WORK/out' && grep -q '^Leck-Prüfung: ok' '$WORK/out'"

# The records: the same run in English and in German.  What differs between
# any two runs is left out: times, ids, the run directory, the 1 Hz pool and
# PSI samples, and the order of events from different threads (sorted;
# --jobs 1 keeps which files wait, and why, the same).
for l in en de; do
    lang=$l
    [ "$l" = en ] && lang=
    run_in "$lang" --jobs 1 --order fifo --save-events "$WORK/$l.msgpack" --junit "$WORK/$l.xml" --json "$WORK/t"
    mv "$WORK/out" "$WORK/$l.json"
    "$PROVIUM" events "$WORK/$l.msgpack" |
        jq -c 'select(.kind != "pool_state" and .kind != "psi_state")
               | del(.ts, .run, .dir, .argv, .pid, .duration_ns, .blocked_ns, .boot_ns)' |
        sort > "$WORK/$l.events"
    jq -S -c 'del(.duration_ns, .duration) | .tests |= map(del(.duration_ns, .duration))' \
        "$WORK/$l.json" | sort > "$WORK/$l.json.norm"
    sed -e 's/ time="[^"]*"//g' -e 's/ timestamp="[^"]*"//g' -e 's/ hostname="[^"]*"//g' \
        "$WORK/$l.xml" > "$WORK/$l.xml.norm"
done
check "the German run printed German" grep -q "bestanden" "$WORK/err"
check "events: German run's are the English run's" \
    sh -c "test -s '$WORK/en.events' && cmp -s '$WORK/en.events' '$WORK/de.events' ||
           { diff '$WORK/en.events' '$WORK/de.events' | sed 's/^/# /' | head -20; false; }"
check "events: provium's own words in them stay English" \
    sh -c "grep -q \"invalid size 'nonsense'\" '$WORK/de.events' &&
           grep -q '\"waiting_for\":\"one of 1 running files to end (--jobs)\"' '$WORK/de.events' &&
           grep -q '\"virt_reason\":\"' '$WORK/de.events'"
check "--json: the same" \
    sh -c "test -s '$WORK/en.json.norm' && cmp -s '$WORK/en.json.norm' '$WORK/de.json.norm'"
check "--junit: the same" \
    sh -c "grep -q '<testsuites' '$WORK/en.xml.norm' && cmp -s '$WORK/en.xml.norm' '$WORK/de.xml.norm'"
