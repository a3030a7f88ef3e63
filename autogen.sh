#!/bin/sh
# Regenerate the build system from a git checkout; tarballs ship it built.
set -e
srcdir=$(dirname "$0")
test -n "$srcdir" || srcdir=.
cd "$srcdir"
autoreconf --force --install --verbose
if [ -z "$NOCONFIGURE" ]; then
    exec ./configure "$@"
fi
