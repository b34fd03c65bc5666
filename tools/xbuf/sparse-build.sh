#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Build sparse from Debian sid's source package into the cache, once per
# version, and print the binary's path. Bookworm's sparse 0.6.4 is too old
# for kernels from 6.13 (they check for __typeof_unqual__ and quietly skip
# an older sparse); sid's builds and runs here with the host's compiler.
set -eu
tools=$(cd "$(dirname "$0")" && pwd)
. "$tools/common.sh"

ver=$("$tools/apt.sh" version sparse)
[ -n "$ver" ] || die "no Debian suite here has sparse"
dir=$XBUF_CACHE/sparse-$ver
if [ ! -x "$dir/sparse" ]; then
	tmp=$(mktemp -d "$XBUF_CACHE/tmp.XXXXXX")
	(cd "$tmp" && "$tools/apt.sh" source sparse) ||
		die "cannot fetch sparse's source"
	src=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'sparse-*')
	make -C "$src" -s -j"$(nproc)" CC=gcc HAVE_LLVM=no HAVE_GTK=no \
		HAVE_LIBXML=no HAVE_SQLITE=no sparse >"$tmp/build.log" 2>&1 ||
		{ tail -n 20 "$tmp/build.log" >&2; die "sparse failed to build"; }
	rm -rf "$XBUF_CACHE"/sparse-*
	mkdir -p "$dir"
	cp "$src/sparse" "$dir/"
	rm -rf "$tmp"
fi
echo "$dir/sparse"
