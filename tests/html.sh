#!/bin/sh
# The report page (--html) in a real browser: headless Chromium renders the
# page of a run with a failure, a flaky test and a skip (on libvirt's test
# driver).  Checked: the page is valid (well-formed as XML, which holds
# every element closed and every name and output escaped; and no error in
# tidy's HTML5 check); the DOM Chromium built
# (--dump-dom): the failure's message, a row per test with its status, the
# script's filter at work; and at 1280x800 the failure is in view, by its
# position in the DOM and by the failure's color in a screenshot, which a
# page without failures lacks.  Skipped where Chromium is not installed or
# cannot start (tools/setup-debian.sh installs it).
. "$(dirname "$0")/lib.sh"

skip_all() {
    trap - EXIT
    rm -rf "$WORK"
    echo "1..0 # SKIP $1"
    exit 0
}

chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || skip_all "chromium is not installed (Debian: chromium; tools/setup-debian.sh)"
command -v python3 >/dev/null || skip_all "python3 is not installed"

# browser ARGS... URL: Chromium as a test runs it, as root, with a fresh profile.
browser() {
    rm -rf "$WORK/profile"
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking --disable-component-update \
        --disable-sync --user-data-dir="$WORK/profile" --window-size=1280,800 "$@" \
        2> "$WORK/chromium.err"
}
browser --dump-dom about:blank > "$WORK/blank.html" || true
grep -q "<body" "$WORK/blank.html" ||
    skip_all "chromium cannot start here: $(grep -v '^\[' "$WORK/chromium.err" | head -n 1)"

mkdir "$WORK/t"
cat > "$WORK/t/a.test.lua" <<'LUA'
test("passes", {tags = {"fast"}}, function(t) print("hello from a") end)
test("fails <b>&amp;</b> \"quoted\"", {tags = {"net"}}, function(t)
    print("about to fail <script>document.title = 'injected'</script>")
    print("cr\rX")
    t:assert(1 == 2, "one is not two <&>")
end)
test("skipped", {skip = "not today"}, function(t) end)
LUA
cat > "$WORK/t/flaky.test.lua" <<LUA
local mark = "$WORK/flaky.mark"
test("fails the first time", function(t)
    local f = io.open(mark)
    if not f then
        io.open(mark, "w"):close()
        t:fail("first time fails")
    end
    f:close()
end)
LUA
echo 'test("fine", function(t) end)' > "$WORK/t/c.test.lua"

run_t --retries 1 --html "$WORK/page.html" "$WORK/t"
check "a run with a failure: exit 1" status_is 1
check "--html: the page is written" test -s "$WORK/page.html"
"$PROVIUM" report --html "$WORK/report.html" "$WORK/runs/latest" > /dev/null
check "--html: the page provium report makes of the run directory" \
    cmp -s "$WORK/page.html" "$WORK/report.html"
check "the page is well-formed (as XML: closed, escaped)" xmllint --noout "$WORK/page.html"
# tidy checks HTML5's rules (its exit status: 2 for errors); what it warns
# of is listed, not judged: it does not know all of inline SVG (an SVG <a>'s
# xlink:href, font-family on <svg>), and its wording is its own.
valid_html() {
    tidy -q -e "$1" > "$WORK/tidy.out" 2>&1
    tidy_status=$?
    sed 's/^/# tidy: /' "$WORK/tidy.out"
    [ "$tidy_status" -lt 2 ]
}
if command -v tidy > /dev/null; then
    check "the page is valid HTML (tidy finds no error)" valid_html "$WORK/page.html"
else
    tap_n=$((tap_n + 1))
    echo "ok $tap_n # SKIP tidy is not installed"
fi
check "the page loads nothing: no src, no link, no url()" \
    sh -c "! grep -q -E '<(script|img|iframe)[^>]* src=|<link |url\\(|@import' '$WORK/page.html'"

# The DOM as Chromium built it, with a probe appended: where the failure is,
# and what the filter shows when asked for failed tests.
cat > "$WORK/probe.js" <<'JS'
<script>
(function () {
  var root = document.documentElement;
  var box = document.querySelector("article.p-failed > h3").getBoundingClientRect();
  var form = document.getElementById("filters");
  root.setAttribute("data-failure-top", Math.round(box.top));
  root.setAttribute("data-failure-bottom", Math.round(box.bottom));
  root.setAttribute("data-viewport", window.innerHeight);
  root.setAttribute("data-filters-shown", form.hidden ? "no" : "yes");
  root.setAttribute("data-title", document.title);
  var bar = document.querySelector(".figure svg a");
  root.setAttribute("data-bar-link", bar ? bar.href.baseVal : "");
  if (form.hidden) return;
  root.setAttribute("data-shown-all", form.elements.shown.value);
  form.elements.status.value = "failed";
  form.dispatchEvent(new Event("change"));
  root.setAttribute("data-failed-rows",
                    document.querySelectorAll("tr.r-test:not([hidden])").length);
  root.setAttribute("data-shown-failed", form.elements.shown.value);
  form.reset();
  form.dispatchEvent(new Event("change"));
  document.querySelector("th[data-sort=duration] button").click();
  var ns = Array.prototype.map.call(document.querySelectorAll("#table tbody"), function (b) {
    return Number(b.rows[0].querySelector(".c-dur").getAttribute("data-ns"));
  });
  var sorted = ns.length > 1;
  ns.forEach(function (n, i) { if (i > 0) { if (n > ns[i - 1]) sorted = false; } });
  root.setAttribute("data-sorted", sorted ? "yes" : "no");
  root.setAttribute("data-sort-shown",
                    document.querySelector("th[data-sort=duration]").getAttribute("aria-sort"));
})();
</script>
JS
# probe PAGE OUT: PAGE with the probe before </body>.
probe() {
    awk -v probe="$WORK/probe.js" '
        $0 == "</body>" { while ((getline line < probe) > 0) print line }
        { print }' "$1" > "$2"
}
probe "$WORK/page.html" "$WORK/probe.html"
browser --dump-dom "file://$WORK/probe.html" > "$WORK/dom.html"
dom() { xmllint --html --xpath "$1" "$WORK/dom.html" 2>/dev/null; }
check "Chromium rendered the page" test "$(dom 'count(//tr)')" -gt 0
check "DOM: the failure's message" \
    test "$(dom 'string(//article[contains(@class, "p-failed")]/pre[@class="reason"])')" = \
        "$WORK/t/a.test.lua:5: one is not two <&>"
check "DOM: the failed test's name, as text" \
    test "$(dom 'string(//article[contains(@class, "p-failed")]//span[@class="name"])')" = \
        'fails <b>&amp;</b> "quoted"'
check "DOM: its output, as text: no script of it ran" \
    test "$(dom 'starts-with(/html/@data-title, "provium: ")')" = true
check "DOM: a row per test" test "$(dom 'count(//tr[@class="r-test"])')" -eq 5
check "DOM: each test's status" \
    test "$(dom 'concat(//tr[@data-name="passes"]/@data-status, " ", //tr[@data-name="skipped"]/@data-status, " ", //tr[@data-name="fails the first time"]/@data-status, " ", //tr[@data-name="fine"]/@data-status, " ", //tr[@class="r-test" and starts-with(@data-name, "fails &lt;") or starts-with(@data-name, "fails <")]/@data-status)')" = \
        "passed skipped flaky passed failed"
check "DOM: the flaky test's attempts" \
    test "$(dom 'count(//section[@id="flaky"]//ol[@class="attempts"]/li)')" -eq 2
check "DOM: a file's bar in the timeline links to its rows" \
    test "$(dom 'string(/html/@data-bar-link)')" = "#f-1"
check "DOM: the script showed the filters" test "$(dom 'string(/html/@data-filters-shown)')" = yes
check "DOM: filtered on failed, one test row is left" \
    test "$(dom 'string(/html/@data-failed-rows)')" -eq 1
check "DOM: the filter says how many it shows, in the singular for one" \
    test "$(dom 'concat(/html/@data-shown-all, " / ", /html/@data-shown-failed)')" = \
        "3 files and 5 tests shown / 1 file and 1 test shown"
check "DOM: a carriage return in the output shows as ␍" \
    test "$(dom 'contains(//article[contains(@class, "p-failed")]/pre[@class="log"], "cr␍X")')" = true
check "DOM: sorted by duration, the longest file first" \
    test "$(dom 'concat(/html/@data-sorted, " ", /html/@data-sort-shown)')" = "yes descending"
top=$(dom 'string(/html/@data-failure-top)')
bottom=$(dom 'string(/html/@data-failure-bottom)')
view=$(dom 'string(/html/@data-viewport)')
echo "# failure heading at $top..$bottom of $view"
check "at 1280x800 the failure's heading is in view" \
    test "$top" -ge 0 -a "$bottom" -le "$view" -a "$view" -ge 600

# Without its script (headless Chromium needs JavaScript for --dump-dom, so
# the page's own script is taken out) the page reads the same: the failure
# in view, every row; only the filters, which need the script, are hidden.
awk '$0 == "<script>" { skip = 1 } !skip { print } $0 == "</script>" { skip = 0 }' \
    "$WORK/page.html" > "$WORK/noscript.html"
probe "$WORK/noscript.html" "$WORK/probe.html"
browser --dump-dom "file://$WORK/probe.html" > "$WORK/dom.html"
check "without its script: the failure's message" \
    test "$(dom 'string(//article[contains(@class, "p-failed")]/pre[@class="reason"])')" = \
        "$WORK/t/a.test.lua:5: one is not two <&>"
check "without its script: the failure's heading in view" \
    test "$(dom 'string(/html/@data-failure-top)')" -ge 0 -a \
        "$(dom 'string(/html/@data-failure-bottom)')" -le "$(dom 'string(/html/@data-viewport)')"
check "without its script: a row per test, the filters hidden" \
    test "$(dom 'concat(count(//tr[@class="r-test"]), " ", /html/@data-filters-shown)')" = "5 no"

# The screenshot: the failure's color (#c62828 in light mode) fills its
# heading in view; a page without failures has next to none of it.
browser --screenshot="$WORK/page.png" "file://$WORK/page.html" > /dev/null
red=$(python3 "$PV_TEST_SRCDIR/png-color.py" "$WORK/page.png" c62828 800)
echo "# failure-colored pixels in view: $red"
check "screenshot: the failure is in view" test "${red:-0}" -ge 20000
run_t --html "$WORK/passing.html" "$WORK/t/c.test.lua"
check "a run without failures: exit 0, a page" test "$status" -eq 0 -a -s "$WORK/passing.html"
browser --screenshot="$WORK/passing.png" "file://$WORK/passing.html" > /dev/null
red=$(python3 "$PV_TEST_SRCDIR/png-color.py" "$WORK/passing.png" c62828 800)
echo "# failure-colored pixels in view, no failure: $red"
check "screenshot: without failures, none of that color" test "${red:-99999}" -lt 2000

# Each file's duration over its last runs: c.test.lua ran in both runs
# (their run directories are side by side), the latest run has only it.
"$PROVIUM" report --html "$WORK/trend.html" "$WORK/runs/latest" > /dev/null
check "trend: a sparkline for the file, over its two runs" \
    test "$(xmllint --xpath "concat(count(//*[local-name()='svg' and @class='spark']), ' ',
        substring-before(//*[local-name()='svg' and @class='spark']/@aria-label, ':'))" \
        "$WORK/trend.html")" = "1 the last 2 runs"

# --retries 3: every attempt is on the page, with its message and output.
mkdir "$WORK/r"
cat > "$WORK/r/always.test.lua" <<'LUA'
test("always fails", function(t)
    print("trying")
    t:fail("no luck")
end)
LUA
run_t --retries 3 --html "$WORK/retries.html" "$WORK/r"
check "--retries 3, always failing: exit 1" status_is 1
check "--retries 3, always failing: the page shows its 4 attempts" \
    test "$(xmllint --xpath "count(//*[@id='failures']//*[@class='attempts']/*[local-name()='li'])" "$WORK/retries.html")" -eq 4
check "--retries 3, always failing: each earlier one's message and output" \
    test "$(xmllint --xpath "count(//*[@id='failures']//*[@class='attempts']/*[local-name()='li'][*[@class='reason'] and *[@class='log']])" "$WORK/retries.html")" -eq 3

# --html checks its path before anything runs.
run_t --html "$WORK/nowhere/page.html" "$WORK/t/c.test.lua"
check "--html in a missing directory: exit 2" status_is 2
check "--html in a missing directory: one line naming it" \
    sh -c "[ \$(wc -l < '$WORK/err') -eq 1 ] && grep -q -- '--html: cannot write $WORK/nowhere/page.html' '$WORK/err'"
check "--html in a missing directory: nothing ran" \
    test "$(ls "$WORK/runs" | grep -c '^[0-9]\{8\}-[0-9]\{6\}-')" -eq 3
