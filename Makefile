# SPDX-License-Identifier: GPL-2.0
#
# xbuf out of tree: build the modules against Debian's kernel headers, run
# the checks, and boot QEMU to run the kselftests and the demo.
#
#   make            build the modules (KDIR=/path/to/kernel/build for another)
#   make run        boot a VM and run the demo of the main job
#   make check      static checks, builds against every kernel, and the
#                   kselftests in QEMU on Debian's 6.1 and 6.12, on 7.3
#                   built from source, and on the debug kernel built from
#                   linux-source-6.1 (KASAN, lockdep, DMA-API debug,
#                   kmemleak): CI's run
#   make check-stock  Debian's 6.1 alone: a quick round
#   make check-matrix  make check, every kernel in every configuration,
#                   and the perf kernel
#   make bench      the benchmark on the perf kernel
#   make patches    xbuf as a patch series against linux-source-6.1
#   make install    the modules, the uapi header, the udev rule and the
#                   documentation (DESTDIR, KVER or KDIR to change where)
#   make dkms-install  the modules through DKMS, rebuilt on kernel upgrades
#   make clean
#
# Everything fetched or unpacked (kernel image, kernel source) is cached
# in XBUF_CACHE, outside the clone.

export XBUF_CACHE ?= /var/tmp/xbuf-cache

TOOLS   := $(CURDIR)/tools/xbuf
MODDIR  := $(CURDIR)/drivers/dma-buf/xbuf
TESTDIR := $(CURDIR)/tools/testing/selftests/xbuf
BUILD   := $(CURDIR)/build
RESULTS := $(BUILD)/results

KVER ?= $(shell . $(TOOLS)/common.sh && newest_kver)
KDIR ?= /usr/src/linux-headers-$(KVER)
HOSTCC ?= gcc
KBUILD := $(MAKE) -C $(KDIR) M=$(MODDIR) CONFIG_XBUF_HEAP=m CONFIG_XBUF_DMA=m

# Files checkpatch and kernel-doc read. compat.h alone may compare kernel
# versions, and name the types an API changed: that is its job.
KSOURCES := $(filter-out %.mod.c,$(wildcard $(MODDIR)/*.[ch] include/uapi/linux/*.h))
CHECKPATCH_FILES := $(filter-out %/compat.h,$(KSOURCES)) \
	$(wildcard $(TESTDIR)/*.[ch] $(TOOLS)/*.c $(TOOLS)/xbufctl/*.[ch])
CHECKPATCH = perl $(KSRC)/scripts/checkpatch.pl --strict --no-tree \
	--quiet --terse --show-types

.PHONY: all deps modules lint sparse selftests run check check-stock \
	check-matrix vm-run vm-check vm-check-stock vm-check-matrix report \
	patches bench vm-bench clean kernel-bpo modules-bpo modules-v7 xbufctl

all: deps
	@$(MAKE) --no-print-directory modules

deps:
	@$(TOOLS)/deps.sh

modules:
	$(KBUILD) W=1 KCFLAGS=-Werror modules

# Unpacked on demand; recursive makes get it from the environment.
KSRC ?= $(shell $(TOOLS)/ksource.sh)
export KSRC

lint: modules
	$(CHECKPATCH) -f $(CHECKPATCH_FILES)
	$(CHECKPATCH) --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON,NEW_TYPEDEFS \
		-f $(MODDIR)/compat.h
	perl $(KSRC)/scripts/kernel-doc -none -Werror $(KSOURCES)
	/usr/bin/python3 $(TOOLS)/rstcheck.py Documentation/*/xbuf.rst
	@$(MAKE) --no-print-directory sparse

# Every object built again, in build/ext-host, and checked by sparse
# (sid's: see sparse-build.sh); any report, or a file sparse did not
# check, fails.
sparse:
	$(TOOLS)/ext-build.sh $(BUILD)/ext-host $(KDIR)

# The kselftests, built as in a kernel tree: a staging copy of the
# kselftest framework from linux-source with our directory inside.
KSFT_STAGE := $(BUILD)/ksft/tools/testing/selftests
selftests:
	rm -rf $(KSFT_STAGE) && mkdir -p $(KSFT_STAGE) $(BUILD)/tests
	cp -r $(KSRC)/tools/testing/selftests/lib.mk \
		$(KSRC)/tools/testing/selftests/kselftest* $(KSFT_STAGE)/
	cp -r $(TESTDIR) $(KSFT_STAGE)/xbuf
	mkdir -p $(BUILD)/uapi/drm $(BUILD)/scripts
	$(HOSTCC) -O2 -o $(BUILD)/scripts/unifdef $(KSRC)/scripts/unifdef.c
	cd $(BUILD) && for h in $(KSRC)/include/uapi/drm/drm*.h \
			$(KSRC)/include/uapi/drm/vgem_drm.h; do \
		sh $(KSRC)/scripts/headers_install.sh $$h \
			uapi/drm/$${h##*/} || exit 1; \
	done
	$(MAKE) -C $(KSFT_STAGE)/xbuf OUTPUT=$(BUILD)/tests \
		KHDR_INCLUDES="-I$(CURDIR)/include/uapi -idirafter $(BUILD)/uapi"

# xbufctl, the board user's command (tools/xbuf/xbufctl/), static, beside
# the kselftests, with the DRM uapi headers the selftests target
# installed. $(1): compiler, $(2): output directory.
build_xbufctl = $(1) -static -O2 -Wall -Wextra -D_FILE_OFFSET_BITS=64 \
	-I$(CURDIR)/include/uapi -idirafter $(BUILD)/uapi \
	-o $(2)/xbufctl $(wildcard $(TOOLS)/xbufctl/*.c)
xbufctl: selftests
	$(call build_xbufctl,$(CC),$(BUILD)/tests)

comma := ,
STOCK = $(shell $(TOOLS)/stock-kernel.sh $(KVER))
VM_MODULES := vgem vivid
# Debian's kernel zeroes every page it allocates (INIT_ON_ALLOC_DEFAULT_ON),
# which would hide a buffer that xbuf failed to zero: turn that off.
# QEMU's "-cpu max" offers 5-level paging, and a KASAN kernel switching to
# it early can report wild memory accesses that are not there: no5lvl.
VM_CMDLINE := init_on_alloc=0 no5lvl

# One boot. $(1): job script, $(2): results name, $(3): kernel command
# line, $(4): extra QEMU arguments, $(5): kernel image, $(6): root of its
# modules, $(7): its release, $(8): out-of-tree xbuf modules or -,
# $(9): test programs, $(10): modules to take from the kernel besides
# VM_MODULES.
vm_boot_with = $(TOOLS)/initramfs.sh $(BUILD)/initramfs-$(2).cpio.gz \
	$(6) $(7) $(TOOLS)/guest/$(1) $(8) $(9) $(VM_MODULES) $(10) && \
	XBUF_QEMU_ARGS="$(4)" $(TOOLS)/vm.sh $(5) \
	$(BUILD)/initramfs-$(2).cpio.gz $(RESULTS)/$(2) $(VM_CMDLINE) $(3)

# Debian's stock kernel with the out-of-tree modules and tests: those
# built in the tree, or those KO_<boot> names.
stock_boot = $(call vm_boot_with,$(1),$(2),$(3),$(4),\
	$(STOCK)/boot/vmlinuz-$(KVER),$(STOCK),$(KVER),\
	$(or $(KO_$(2)),$(MODDIR)),$(BUILD)/tests)
# stock-loopback boots the modules that DKMS built and installed in
# dkms-check: a user's installation runs the kselftests.
KO_stock-loopback = $(DKMS_CHECK)/lib/modules/$(KVER)/updates/dkms
# A kernel built by kernel-build.sh ($(5): debug or perf), xbuf in tree,
# with its own kselftests, and xbufctl for xbuf_ctl_test.
built_boot = XBUF_TEST_EXTRA=$(BUILD)/tests/xbufctl \
	$(call vm_boot_with,$(1),$(2),$(3),$(4),\
	$(KOUT_$(5))/bzImage,$(KOUT_$(5))/root,\
	$(shell cat $(KOUT_$(5))/kernelrelease),-,$(KOUT_$(5))/tests,\
	xbuf_heap xbuf_dma)

KOUT_debug = $(shell cat $(BUILD)/kernel-debug.path)
KOUT_perf = $(shell cat $(BUILD)/kernel-perf.path)
KOUT_v7 = $(shell cat $(BUILD)/kernel-v7.path)

# xbuf built out of tree against another kernel's headers or tree, with
# sparse, in $(BUILD)/ext-<name>: see ext-build.sh.
ext_dir = $(BUILD)/ext-$(1)/drivers/dma-buf/xbuf

# Debian's kernels from other suites: image and headers, fetched and
# cached by debian-kernel.sh ("ARCH FLAVOUR SUITE"). bpo: bookworm-
# backports' 6.12 for amd64.
DEBIAN_KERNEL_bpo := amd64 amd64 bookworm-backports
kernel-bpo:
	mkdir -p $(BUILD)
	$(TOOLS)/debian-kernel.sh $(DEBIAN_KERNEL_bpo) >$(BUILD)/kernel-bpo.path
KREL_bpo = $(word 1,$(shell cat $(BUILD)/kernel-bpo.path))
KROOT_bpo = $(word 2,$(shell cat $(BUILD)/kernel-bpo.path))

modules-bpo: kernel-bpo
	$(TOOLS)/ext-build.sh $(BUILD)/ext-bpo \
		$(KROOT_bpo)/headers/usr/src/linux-headers-$(KREL_bpo)

# The newest kernel, built from source: xbuf in its tree for the boot,
# and out of tree against it, as a user of that kernel builds it.
modules-v7: kernel-v7
	$(TOOLS)/ext-build.sh $(BUILD)/ext-v7 $(KOUT_v7)/tree

bpo_boot = $(call vm_boot_with,$(1),$(2),$(3),$(4),\
	$(KROOT_bpo)/root/boot/vmlinuz-$(KREL_bpo),$(KROOT_bpo)/root,\
	$(KREL_bpo),$(call ext_dir,bpo),$(BUILD)/tests)

# The configurations every kernel is booted in:
# - loopback: the software engine on direct-mapped memory;
# - swiotlb: the same through bounce buffers (256 MiB of them), where a
#   missing dma_sync shows up as wrong data;
# - edu: QEMU's edu device. Without an IOMMU the 2 GiB guest needs more
#   than edu's default 28 address bits, so both QEMU and the driver widen
#   the mask to 32 bits;
# - edu-iommu: the edu device behind an emulated Intel IOMMU, with its
#   default 28-bit mask honoured through IOVAs.
EDU_QEMU   := -device edu,dma_mask=0xffffffff
IOMMU_QEMU := -device intel-iommu,intremap=off -device edu

# The boots, one target each: boot-<kernel>-<configuration>.
BOOT_ARGS_swiotlb   := swiotlb=131072,force
BOOT_ARGS_edu       := xbuf_dma.edu_dma_bits=32
BOOT_QEMU_edu       := $(EDU_QEMU)
BOOT_ARGS_edu-iommu := intel_iommu=on
BOOT_QEMU_edu-iommu := $(IOMMU_QEMU)

boot-stock-%:
	$(call stock_boot,check.sh,stock-$*,$(BOOT_ARGS_$*),$(BOOT_QEMU_$*)) || true
boot-debug-%:
	$(call built_boot,check.sh,debug-$*,$(BOOT_ARGS_$*),$(BOOT_QEMU_$*),debug) || true
boot-perf-%:
	$(call built_boot,check.sh,perf-$*,$(BOOT_ARGS_$*),$(BOOT_QEMU_$*),perf) || true
boot-v7-%:
	$(call built_boot,check.sh,v7-$*,$(BOOT_ARGS_$*),$(BOOT_QEMU_$*),v7) || true
boot-bpo-%:
	$(call bpo_boot,check.sh,bpo-$*,$(BOOT_ARGS_$*),$(BOOT_QEMU_$*)) || true

# Boots two at a time, in the order listed, each pair ideally a CPU-bound
# boot beside an edu one: the host has two cores, and edu boots spend
# most of their time waiting on the edu device's timer. Each boot's
# output is shown in one piece when it ends. $(1): boot names.
run_boots = set -- $(1); while [ $$\# -gt 0 ]; do \
		if [ $$\# -ge 2 ]; then \
			$(MAKE) --no-print-directory -j2 -Otarget \
				boot-$$1 boot-$$2 || exit 1; shift 2; \
		else \
			$(MAKE) --no-print-directory boot-$$1 || exit 1; shift; \
		fi; \
	done

# Debian's arm64 kernel on QEMU's raspi3b (a Raspberry Pi 3B, 1 GiB,
# TCG), where xbuf_dma takes a memcpy channel of the BCM2835 DMA
# controller through dmaengine: the path of a real board.
#
#   make kernel-arm64      image, device trees and headers (debian-kernel.sh),
#                          and bookworm's static busybox for arm64
#   make modules-arm64     xbuf cross-built against them, W=1 and sparse
#   make selftests-arm64   the kselftests cross-built, in build/tests-arm64
#   make check-arm64       all three, then the kselftests on raspi3b,
#                          results in build/results/arm64-dmaengine
#                          (boot-arm64-dmaengine: the boot alone)
#
# QEMU's bcm2835 DMA model copies 32-bit words and runs any other length
# around the address space; bcm2835-dma does not say so (copy_align), so
# the boot declares it: dmaengine_align=4.
.PHONY: kernel-arm64 modules-arm64 selftests-arm64 boot-arm64-dmaengine \
	check-arm64

DEBIAN_KERNEL_arm64 := arm64 arm64 bookworm-security
ARM64_CROSS := ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
ARM64_BUSYBOX := $(XBUF_CACHE)/busybox-arm64/bin/busybox
KREL_arm64 = $(word 1,$(shell cat $(BUILD)/kernel-arm64.path))
KROOT_arm64 = $(word 2,$(shell cat $(BUILD)/kernel-arm64.path))

kernel-arm64: $(ARM64_BUSYBOX)
	mkdir -p $(BUILD)
	$(TOOLS)/debian-kernel.sh $(DEBIAN_KERNEL_arm64) >$(BUILD)/kernel-arm64.path

$(ARM64_BUSYBOX):
	rm -rf $(XBUF_CACHE)/busybox-arm64 $(XBUF_CACHE)/busybox-arm64.tmp
	mkdir -p $(XBUF_CACHE)/busybox-arm64.tmp
	cd $(XBUF_CACHE)/busybox-arm64.tmp && \
		$(TOOLS)/apt.sh download busybox-static:arm64/bookworm && \
		dpkg-deb -x busybox-static_*_arm64.deb root
	mv $(XBUF_CACHE)/busybox-arm64.tmp/root $(XBUF_CACHE)/busybox-arm64
	rm -rf $(XBUF_CACHE)/busybox-arm64.tmp

modules-arm64: kernel-arm64
	$(TOOLS)/ext-build.sh $(BUILD)/ext-arm64 \
		$(KROOT_arm64)/headers/usr/src/linux-headers-$(KREL_arm64) \
		$(ARM64_CROSS)

# The staging copy the selftests target made, built again for arm64.
selftests-arm64: selftests
	mkdir -p $(BUILD)/tests-arm64
	$(MAKE) -C $(KSFT_STAGE)/xbuf OUTPUT=$(BUILD)/tests-arm64 \
		$(ARM64_CROSS) \
		KHDR_INCLUDES="-I$(CURDIR)/include/uapi -idirafter $(BUILD)/uapi"
	$(call build_xbufctl,aarch64-linux-gnu-gcc,$(BUILD)/tests-arm64)

BOOT_ARGS_arm64-dmaengine := xbuf_dma.engine=dmaengine xbuf_dma.dmaengine_align=4
# Like every boot, it uses what was built before it and builds nothing:
# boots run two at a time.
check-arm64: modules-arm64 selftests-arm64
	@$(MAKE) --no-print-directory boot-arm64-dmaengine
boot-arm64-dmaengine:
	XBUF_BUSYBOX=$(ARM64_BUSYBOX) $(TOOLS)/initramfs.sh \
		$(BUILD)/initramfs-arm64-dmaengine.cpio.gz \
		$(KROOT_arm64)/root $(KREL_arm64) $(TOOLS)/guest/check.sh \
		$(call ext_dir,arm64) $(BUILD)/tests-arm64 $(VM_MODULES) && \
	XBUF_VM_MACHINE=raspi3b \
	XBUF_VM_DTB=$(KROOT_arm64)/root/usr/lib/linux-image-$(KREL_arm64)/broadcom/bcm2837-rpi-3-b.dtb \
	$(TOOLS)/vm.sh $(KROOT_arm64)/root/boot/vmlinuz-$(KREL_arm64) \
		$(BUILD)/initramfs-arm64-dmaengine.cpio.gz \
		$(RESULTS)/arm64-dmaengine init_on_alloc=0 \
		$(BOOT_ARGS_arm64-dmaengine) || true


# Debian's 32-bit ARM kernel (armmp-lpae: LPAE, highmem) on QEMU's virt
# machine (TCG, a Cortex-A15), with the loopback engine: 32-bit sizes
# and pointers, highmem pages in every big buffer.
#
#   make kernel-armhf      image and headers (debian-kernel.sh), and
#                          bookworm's static busybox for armhf
#   make modules-armhf     xbuf cross-built against them, W=1 and sparse
#   make selftests-armhf   the kselftests cross-built, in build/tests-armhf
#   make check-armhf       all three, then the kselftests on virt,
#                          results in build/results/armhf-loopback
#                          (boot-armhf-loopback: the boot alone)
#
# virt has one UART, the kernel's console: the job's output goes to a
# virtio console (hvc0), whose modules the initramfs carries. The guest
# gets 3 GiB, 2.2 of them highmem: room for a 2 GiB buffer and the 1 GiB
# copy. No more: QEMU 7.2's Cortex-A15 aborts (4 GiB) or hangs (5 GiB)
# walking a page table above 4 GiB physical, where the kernel's HIGHPTE
# puts userspace's, so RAM stays below 4 GiB and the loopback engine's
# default 32-bit mask reaches all of it.
.PHONY: kernel-armhf modules-armhf selftests-armhf boot-armhf-loopback \
	check-armhf

# bookworm's own 6.1: bookworm-security's armhf index lags its arm64 one
# at times (its 6.1.0-56 was missing while arm64 had it).
DEBIAN_KERNEL_armhf := armhf armmp-lpae bookworm
ARMHF_CROSS := ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf-
ARMHF_BUSYBOX := $(XBUF_CACHE)/busybox-armhf/bin/busybox
KREL_armhf = $(word 1,$(shell cat $(BUILD)/kernel-armhf.path))
KROOT_armhf = $(word 2,$(shell cat $(BUILD)/kernel-armhf.path))

kernel-armhf: $(ARMHF_BUSYBOX)
	mkdir -p $(BUILD)
	$(TOOLS)/debian-kernel.sh $(DEBIAN_KERNEL_armhf) >$(BUILD)/kernel-armhf.path

$(ARMHF_BUSYBOX):
	rm -rf $(XBUF_CACHE)/busybox-armhf $(XBUF_CACHE)/busybox-armhf.tmp
	mkdir -p $(XBUF_CACHE)/busybox-armhf.tmp
	cd $(XBUF_CACHE)/busybox-armhf.tmp && \
		$(TOOLS)/apt.sh download busybox-static:armhf/bookworm && \
		dpkg-deb -x busybox-static_*_armhf.deb root
	mv $(XBUF_CACHE)/busybox-armhf.tmp/root $(XBUF_CACHE)/busybox-armhf
	rm -rf $(XBUF_CACHE)/busybox-armhf.tmp

modules-armhf: kernel-armhf
	$(TOOLS)/ext-build.sh $(BUILD)/ext-armhf \
		$(KROOT_armhf)/headers/usr/src/linux-headers-$(KREL_armhf) \
		$(ARMHF_CROSS)

# The staging copy the selftests target made, built again for armhf.
selftests-armhf: selftests
	mkdir -p $(BUILD)/tests-armhf
	$(MAKE) -C $(KSFT_STAGE)/xbuf OUTPUT=$(BUILD)/tests-armhf \
		$(ARMHF_CROSS) \
		KHDR_INCLUDES="-I$(CURDIR)/include/uapi -idirafter $(BUILD)/uapi"
	$(call build_xbufctl,arm-linux-gnueabihf-gcc,$(BUILD)/tests-armhf)

BOOT_ARGS_armhf-loopback := xbuf_dma.engine=loopback
# Like every boot, it uses what was built before it and builds nothing.
check-armhf: modules-armhf selftests-armhf
	@$(MAKE) --no-print-directory boot-armhf-loopback
boot-armhf-loopback:
	XBUF_BUSYBOX=$(ARMHF_BUSYBOX) $(TOOLS)/initramfs.sh \
		$(BUILD)/initramfs-armhf-loopback.cpio.gz \
		$(KROOT_armhf)/root $(KREL_armhf) $(TOOLS)/guest/check.sh \
		$(call ext_dir,armhf) $(BUILD)/tests-armhf $(VM_MODULES) \
		virtio_mmio virtio_console && \
	XBUF_VM_MACHINE=virt-arm XBUF_VM_MEM=3G \
	$(TOOLS)/vm.sh $(KROOT_armhf)/root/boot/vmlinuz-$(KREL_armhf) \
		$(BUILD)/initramfs-armhf-loopback.cpio.gz \
		$(RESULTS)/armhf-loopback init_on_alloc=0 \
		$(BOOT_ARGS_armhf-loopback) || true


configs := loopback edu swiotlb edu-iommu
run: deps
	@$(MAKE) --no-print-directory vm-run

vm-run: modules xbufctl
	rm -rf $(RESULTS)/demo
	$(call stock_boot,run.sh,demo)
	@sed -n '/^xbuf: loaded/,$$p' $(RESULTS)/demo/output.log

# The change as a patch series against linux-source-6.1, for those who
# carry patches: build/patches/.
patches:
	$(TOOLS)/intree.sh --patches $(BUILD)/patches

# Installing xbuf (as root):
#
#   make install        make install-modules and make install-userspace
#   make install-modules  the modules for KVER (or the kernel KDIR), built
#                       if need be, in /lib/modules/<release>/updates/xbuf,
#                       then depmod
#   make install-userspace  the uapi header (/usr/include/linux/xbuf.h),
#                       the udev rule that gives group video the device
#                       nodes (/lib/udev/rules.d/60-xbuf.rules), the
#                       documentation (/usr/share/doc/xbuf/) and, when
#                       built, xbufctl (/usr/bin/)
#   make dkms-install   the source to /usr/src/xbuf-<version>, then dkms
#                       add, build and install for KVER (KDIR); DKMS builds
#                       xbuf again for every kernel installed later. Run
#                       again, it starts over
#   make dkms-remove    xbuf out of DKMS, for every kernel, and its source
#
# DESTDIR stages the installation in a directory, for a package: depmod
# is left to the package's installation then. modules_install signs the
# modules only when KDIR has the kernel's signing key (a kernel built
# there); DKMS signs them with its own key (README.md, Install).
# The version is dkms.conf's PACKAGE_VERSION. DKMS and DKMS_SRCTREE
# change the dkms command and its source tree (dkms-check does).
.PHONY: install install-modules install-userspace dkms-source dkms-install \
	dkms-remove dkms-check

XBUF_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' $(CURDIR)/dkms.conf)
# The release modules are built for (Debian's kernel.release differs).
KDIR_RELEASE = $(shell sed -n 's/^.define UTS_RELEASE "\(.*\)"$$/\1/p' \
	$(KDIR)/include/generated/utsrelease.h)
DOCDIR = $(DESTDIR)/usr/share/doc/xbuf

install: install-modules install-userspace

install-modules: modules
	$(KBUILD) INSTALL_MOD_PATH=$(abspath $(DESTDIR)) \
		INSTALL_MOD_DIR=updates/xbuf \
		$(if $(wildcard $(KDIR)/certs/signing_key.x509),,CONFIG_MODULE_SIG_ALL=) \
		modules_install
	$(if $(DESTDIR),@echo "xbuf: DESTDIR: depmod is left to the package",depmod -a $(KDIR_RELEASE))

install-userspace:
	install -D -m 644 include/uapi/linux/xbuf.h $(DESTDIR)/usr/include/linux/xbuf.h
	install -D -m 644 $(TOOLS)/60-xbuf.rules \
		$(DESTDIR)/lib/udev/rules.d/60-xbuf.rules
	install -D -m 644 README.md $(DOCDIR)/README.md
	for f in Documentation/*/xbuf.rst; do \
		install -D -m 644 $$f $(DOCDIR)/$${f#Documentation/} || exit 1; \
	done
	if [ -f $(BUILD)/tests/xbufctl ]; then \
		install -D -m 755 $(BUILD)/tests/xbufctl $(DESTDIR)/usr/bin/xbufctl; \
	fi

DKMS ?= dkms
DKMS_SRCTREE ?= /usr/src
DKMS_SOURCE = $(DKMS_SRCTREE)/xbuf-$(XBUF_VERSION)
dkms_cmd = $(DKMS) --sourcetree $(DKMS_SRCTREE)
# What DKMS builds from: dkms.conf, the kbuild directory, the uapi header.
DKMS_FILES = dkms.conf include/uapi/linux/xbuf.h \
	$(patsubst $(CURDIR)/%,%,$(MODDIR)/Kconfig $(MODDIR)/Makefile \
		$(filter-out %.mod.c,$(wildcard $(MODDIR)/*.[ch])))

dkms-source:
	rm -rf $(DKMS_SOURCE)
	mkdir -p $(DKMS_SOURCE)
	cp --parents $(DKMS_FILES) $(DKMS_SOURCE)/

dkms-install: dkms-remove
	@$(MAKE) --no-print-directory dkms-source
	$(dkms_cmd) add xbuf/$(XBUF_VERSION)
	$(dkms_cmd) install xbuf/$(XBUF_VERSION) -k $(KDIR_RELEASE) \
		--kernelsourcedir $(KDIR)

dkms-remove:
	if [ -n "$$($(dkms_cmd) status xbuf/$(XBUF_VERSION))" ]; then \
		$(dkms_cmd) remove xbuf/$(XBUF_VERSION) --all; \
	fi
	rm -rf $(DKMS_SOURCE)

# DKMS and make install, checked in private trees (build/dkms) and a
# staging directory (build/install-root), as root; see dkms-check.sh.
# DKMS builds for the stock kernel and, on upgrade, for bpo's 6.12.
DKMS_CHECK := $(BUILD)/dkms
dkms-check: modules-bpo
	$(TOOLS)/dkms-check.sh $(DKMS_CHECK) $(KVER) $(KDIR) $(STOCK) \
		$(KREL_bpo) $(KROOT_bpo) $(BUILD)/install-root

# The kernels built from linux-source-6.1 with xbuf in tree (cached).
kernel-%:
	mkdir -p $(BUILD)
	$(TOOLS)/kernel-build.sh $* >$(BUILD)/kernel-$*.path

# `make check`, the README's test command and CI's: the static checks,
# the patch series, the builds against every kernel, and these boots:
# - stock: Debian's 6.1, in every configuration;
# - bpo: Debian's 6.12 from bookworm-backports;
# - v7: 7.3 from experimental's source, with lockdep and DMA-API debug;
# - arm64: Debian's arm64 6.1 on QEMU's raspi3b, xbuf_dma copying through
#   the BCM2835 DMA controller;
# - armhf: Debian's 32-bit ARM 6.1 on QEMU's virt, with highmem;
# - debug: 6.1 with KASAN, lockdep, DMA-API debug and kmemleak, in the
#   two configurations where the DMA API does the most (bounce buffers,
#   an IOMMU).
# The debug kernel's boots take the longest: `make check-matrix` adds the
# rest of every kernel's configurations and the perf kernel.
CHECK_BOOTS := stock-loopback stock-edu stock-swiotlb stock-edu-iommu \
	bpo-loopback bpo-edu-iommu v7-loopback arm64-dmaengine \
	debug-swiotlb debug-edu-iommu armhf-loopback v7-edu v7-edu-iommu
MATRIX_BOOTS := $(CHECK_BOOTS) bpo-swiotlb bpo-edu v7-swiotlb \
	debug-loopback debug-edu perf-loopback
CHECK_PREREQS := lint selftests xbufctl patches modules-bpo dkms-check \
	modules-v7 modules-arm64 selftests-arm64 modules-armhf selftests-armhf \
	kernel-debug

check: deps
	@$(MAKE) --no-print-directory vm-check

vm-check: $(CHECK_PREREQS)
	rm -rf $(RESULTS)
	$(call run_boots,$(CHECK_BOOTS))
	@$(MAKE) --no-print-directory report

check-matrix: deps
	@$(MAKE) --no-print-directory vm-check-matrix

vm-check-matrix: $(CHECK_PREREQS) kernel-perf
	rm -rf $(RESULTS)
	$(call run_boots,$(MATRIX_BOOTS))
	@$(MAKE) --no-print-directory report

# A quick round during development: Debian's 6.1 only.
check-stock: deps
	@$(MAKE) --no-print-directory vm-check-stock

vm-check-stock: lint selftests xbufctl patches dkms-check
	rm -rf $(RESULTS)
	$(call run_boots,$(addprefix stock-,$(configs)))
	@$(MAKE) --no-print-directory report

# The benchmark on the perf kernel: xbuf's heaps beside the upstream
# system and reserved heaps and udmabuf, in one boot (3 GiB, so that two
# 256 MiB buffers, the baselines' buffers and the CMA area all fit;
# udmabuf's 64 MiB limit lifted to match), BENCH_BOOTS boots in a row.
# Results in $(BENCH)/<date>/boot-N, and targets.txt over the boots.
BENCH := $(BUILD)/bench
BENCH_BOOTS ?= 3
BENCH_CMDLINE := udmabuf.size_limit_mb=512
bench: deps
	@$(MAKE) --no-print-directory vm-bench

vm-bench: kernel-perf
	mkdir -p $(BENCH)/prog
	$(CC) -static -O2 -Wall -Wextra -pthread -I$(CURDIR)/include/uapi \
		-I$(TESTDIR) -o $(BENCH)/prog/xbuf-bench $(TOOLS)/xbuf-bench.c
	export XBUF_VM_MEM=3G XBUF_VM_TIMEOUT=3600; \
	out=$(BENCH)/$$(date +%Y%m%d-%H%M%S); \
	for n in $$(seq $(BENCH_BOOTS)); do \
		$(call vm_boot_with,bench.sh,bench-$$n,$(BENCH_CMDLINE),,\
			$(KOUT_perf)/bzImage,$(KOUT_perf)/root,\
			$(shell cat $(KOUT_perf)/kernelrelease),-,$(BENCH)/prog,\
			xbuf_heap xbuf_dma) && \
		$(TOOLS)/bench-report.sh $(RESULTS)/bench-$$n $$out/boot-$$n || \
		exit 1; \
	done; \
	$(TOOLS)/bench-summary.sh $$out

report:
	@for r in $(RESULTS)/*/; do \
		sed -n "s|^xbuf-engine|$$(basename $$r): engine|p; \
			s,^xbuf-\(kmemleak\|dma-api-errors\),$$(basename $$r): \1,p" \
			$$r/output.log; \
	done
	@$(TOOLS)/summary.sh $(RESULTS)

clean:
	-$(KBUILD) clean
	rm -rf $(BUILD)
