#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Unpack the parts of Debian's linux-source-6.1 that xbuf's checks and
# kselftests use (checkpatch, kernel-doc, the kselftest harness, uapi
# headers) into the cache, once per package version. Prints the tree.
set -eu
. "$(dirname "$0")/common.sh"

ver=$(deb_version linux-source-6.1)
dir=$XBUF_CACHE/linux-source-6.1_$ver
if [ ! -f "$dir/.complete" ]; then
	mkdir -p "$XBUF_CACHE"
	tmp=$(mktemp -d "$XBUF_CACHE/tmp.XXXXXX")
	tar -C "$tmp" -xJf /usr/src/linux-source-6.1.tar.xz --wildcards \
		'linux-source-6.1/scripts/*' \
		'linux-source-6.1/include/uapi/*' \
		'linux-source-6.1/tools/testing/selftests/lib.mk' \
		'linux-source-6.1/tools/testing/selftests/kselftest*' \
		'linux-source-6.1/tools/testing/selftests/dmabuf-heaps/*'
	rm -rf "$dir"
	mv "$tmp/linux-source-6.1" "$dir"
	rm -rf "$tmp"
	touch "$dir/.complete"
fi
echo "$dir"
