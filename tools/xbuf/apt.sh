#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# apt-get with a private configuration that also sees the Debian suites
# xbuf tests against besides the machine's own (bookworm-backports, sid,
# experimental) and the arm64 and armhf architectures. The mirror is the
# one the machine's apt already uses; nothing of the machine's apt state
# is changed except by an "install", which needs root.
#
# usage: apt.sh update | download PKG... | source PKG (sid's, unpacked in
#        the current directory) | install PKG... | show PKG |
#        depends PKG/SUITE (the first dependency of a metapackage) |
#        version PKG (the newest version in any suite)
set -eu
. "$(dirname "$0")/common.sh"

dir=$XBUF_CACHE/apt
mirror_uri() {
	# $1: the suite whose URI is wanted, as the machine's sources name it.
	{
		cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
			awk -v s="$1" '/^URIs:/ { u = $2 }
				/^Suites:/ { for (i = 2; i <= NF; i++)
					if ($i == s) { print u; exit } }'
		grep -h "^deb .* $1 " /etc/apt/sources.list \
			/etc/apt/sources.list.d/*.list 2>/dev/null |
			sed 's/\[[^]]*\]//' | awk '{ print $2 }'
	} | head -n 1
}

setup() {
	main=$(mirror_uri bookworm)
	sec=$(mirror_uri bookworm-security)
	[ -n "$main" ] || die "no apt source for bookworm on this machine"
	mkdir -p "$dir/cache/archives/partial"
	opts="arch=amd64,arm64,armhf signed-by=/usr/share/keyrings/debian-archive-keyring.gpg"
	# Installs see bookworm and its backports only, so that nothing of
	# sid's reaches the machine; downloads see every suite.
	{
		for s in bookworm bookworm-updates bookworm-backports; do
			echo "deb [$opts] $main $s main"
		done
		[ -z "$sec" ] || echo "deb [$opts] $sec bookworm-security main"
	} >"$dir/install.list"
	{
		cat "$dir/install.list"
		for s in sid experimental; do
			echo "deb [$opts] $main $s main"
		done
		echo "deb-src [$opts] $main sid main"
	} >"$dir/sources.list.new"
	mv "$dir/sources.list.new" "$dir/sources.list"
}

xapt() {
	list=$1 tool=$2
	shift 2
	"$tool" -q -o Dir::Etc::SourceList="$dir/$list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$dir/lists-$list" \
		-o Dir::Cache="$dir/cache" \
		-o APT::Architectures::=amd64 -o APT::Architectures::=arm64 \
		-o APT::Architectures::=armhf -o APT::Sandbox::User=root "$@"
}

# apt updates a suite as a whole: when one index of it fails, it keeps
# none of the suite. Leave the architectures whose index failed (as the
# log of an update names them) out of their suite, until the next setup.
drop_failed_archs() {
	sed -n 's|^E: Failed to fetch .*/dists/\([^/]*\)/main/binary-\([a-z0-9]*\)/.*|\1 \2|p' \
		"$1" | sort -u | while read -r suite arch; do
		echo "xbuf: $suite: $arch index failed; updating without it" >&2
		sed -i "/ $suite main\$/{s/arch=$arch,/arch=/;s/,$arch\([] ,]\)/\1/}" \
			"$dir/sources.list" "$dir/install.list"
	done
}

# The lists are refreshed once a day at most.
fresh() {
	[ -f "$dir/sources.list" ] || setup
	if [ -z "$(find "$dir/.updated" -mmin -1440 2>/dev/null)" ]; then
		setup
		# A mirror caught mid-sync fails one index now and then: try
		# again without it, then go on with what arrived.
		for l in sources.list install.list; do
			mkdir -p "$dir/lists-$l/partial"
			xapt $l apt-get update >"$dir/update.log" 2>&1 || {
				drop_failed_archs "$dir/update.log"
				xapt $l apt-get update >/dev/null 2>&1
			} || echo "xbuf: apt-get update was incomplete" >&2
		done
		touch "$dir/.updated"
	fi
}

cmd=$1
shift
case $cmd in
update)
	rm -f "$dir/.updated"
	fresh
	;;
download)
	fresh
	xapt sources.list apt-get download "$@" >/dev/null
	;;
source)
	fresh
	xapt sources.list apt-get source -qq "$1/sid" >/dev/null
	;;
install)
	fresh
	DEBIAN_FRONTEND=noninteractive xapt install.list apt-get install -y -qq \
		--no-install-recommends "$@" >/dev/null
	;;
show)
	fresh
	xapt sources.list apt-cache show "$@" 2>/dev/null
	;;
depends)
	fresh
	xapt sources.list apt-cache show "$1" 2>/dev/null |
		sed -n 's/^Depends: \([^ ,]*\).*/\1/p' | head -n 1
	;;
version)
	fresh
	xapt sources.list apt-cache policy "$1" 2>/dev/null |
		sed -n 's/^ *Candidate: //p' | grep -v '(none)' || true
	;;
*)
	die "apt.sh: unknown command $cmd"
	;;
esac
