#!/bin/sh
# po/POTFILES.in lists exactly the sources with translatable strings: a
# file missing from it would never reach the translators, a file listed but
# gone breaks "make update-po".
top=$PV_TEST_SRCDIR/..
n=0
cd "$top" || exit 1
for f in $(grep -l '_("\|N_("' src/*.c src/*/*.c | sort); do
    n=$((n + 1))
    if grep -qx "$f" po/POTFILES.in; then
        echo "ok $n - $f is in po/POTFILES.in"
    else
        echo "not ok $n - $f has translatable strings but is not in po/POTFILES.in"
    fi
done
for f in $(grep -v '^#' po/POTFILES.in); do
    n=$((n + 1))
    if [ -f "$f" ]; then
        echo "ok $n - po/POTFILES.in: $f exists"
    else
        echo "not ok $n - po/POTFILES.in lists $f, which does not exist"
    fi
done
# A message must reach xgettext whole: it does not expand G_GINT64_FORMAT
# and friends and stops at the '%' before them, leaving a msgid (such as
# "%") that no translation can ever match.
# msgcat refuses a file whose name does not end in .pot (its charset is
# still CHARSET), and its failure must not read as "nothing cut".
pot=$(mktemp --suffix=.pot)
# shellcheck disable=SC2046
xgettext $(sed -n 's/^XGETTEXT_OPTIONS = //p' po/Makevars) -f po/POTFILES.in -o "$pot"
n=$((n + 1))
if ids=$(msgcat --no-wrap "$pot" 2>&1); then
    cut=$(printf '%s\n' "$ids" | awk '
        /^msgid/ { in_id = 1 } /^msgstr/ { in_id = 0 }
        in_id && /(^|[^%])(%%)*%"$/ { print }')
else
    cut="msgcat failed: $ids"
fi
rm -f "$pot"
if [ -z "$cut" ]; then
    echo "ok $n - xgettext reads every translatable message whole"
else
    echo "not ok $n - xgettext cut messages at a '%' (a G_G*_FORMAT macro in them?)"
    echo "$cut" | sed 's/^/# /'
fi
[ "$n" -ge 20 ] || { n=$((n + 1)); echo "not ok $n - too few sources found in $top/src"; }
echo "1..$n"
