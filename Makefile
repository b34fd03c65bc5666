# SPDX-License-Identifier: GPL-2.0
#
# xbuf out of tree: build the modules against Debian's kernel headers, run
# the checks, and boot QEMU to run the kselftests and the demo.
#
#   make            build the modules (KDIR=/path/to/kernel/build for another)
#   make run        boot a VM and run the demo of the main job
#   make check      static checks + every kselftest on Debian's stock kernel
#   make check-kernels  the kselftests on the debug and perf kernels built
#                   from linux-source-6.1 with xbuf in tree
#   make check-all  both
#   make patches    xbuf as a patch series against linux-source-6.1
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
# versions: that is its job.
KSOURCES := $(filter-out %.mod.c,$(wildcard $(MODDIR)/*.[ch] include/uapi/linux/*.h))
CHECKPATCH_FILES := $(filter-out %/compat.h,$(KSOURCES)) \
	$(wildcard $(TESTDIR)/*.[ch] $(TOOLS)/*.c)
CHECKPATCH = perl $(KSRC)/scripts/checkpatch.pl --strict --no-tree \
	--quiet --terse --show-types

.PHONY: all deps modules lint sparse selftests demo run check check-kernels \
	check-all vm-run vm-check vm-check-kernels vm-check-all report patches \
	clean

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
	$(CHECKPATCH) --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
		-f $(MODDIR)/compat.h
	perl $(KSRC)/scripts/kernel-doc -none -Werror $(KSOURCES)
	/usr/bin/python3 $(TOOLS)/rstcheck.py Documentation/*/xbuf.rst
	@$(MAKE) --no-print-directory sparse

# Rebuild every object under sparse; any sparse report fails.
sparse:
	mkdir -p $(BUILD)
	$(KBUILD) C=2 CHECK="sparse -Wsparse-error" modules 2>&1 | \
		tee $(BUILD)/sparse.log; \
	! grep -E ': (warning|error):' $(BUILD)/sparse.log

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
	cd $(BUILD) && for h in $(KSRC)/include/uapi/drm/drm*.h; do \
		sh $(KSRC)/scripts/headers_install.sh $$h \
			uapi/drm/$${h##*/} || exit 1; \
	done
	$(MAKE) -C $(KSFT_STAGE)/xbuf OUTPUT=$(BUILD)/tests \
		KHDR_INCLUDES="-I$(CURDIR)/include/uapi -idirafter $(BUILD)/uapi"

demo:
	mkdir -p $(BUILD)/tests
	$(CC) -static -O2 -Wall -Wextra -I$(CURDIR)/include/uapi \
		-o $(BUILD)/tests/xbuf-demo \
		$(TOOLS)/xbuf-demo.c

comma := ,
STOCK = $(shell $(TOOLS)/stock-kernel.sh $(KVER))
VM_MODULES := vgem vivid
# Debian's kernel zeroes every page it allocates (INIT_ON_ALLOC_DEFAULT_ON),
# which would hide a buffer that xbuf failed to zero: turn that off.
VM_CMDLINE := init_on_alloc=0

# One boot. $(1): job script, $(2): results name, $(3): kernel command
# line, $(4): extra QEMU arguments, $(5): kernel image, $(6): root of its
# modules, $(7): its release, $(8): out-of-tree xbuf modules or -,
# $(9): test programs, $(10): modules to take from the kernel besides
# VM_MODULES.
define vm_boot_with
	$(TOOLS)/initramfs.sh $(BUILD)/initramfs-$(2).cpio.gz $(6) $(7) \
		$(TOOLS)/guest/$(1) $(8) $(9) $(VM_MODULES) $(10)
	XBUF_QEMU_ARGS="$(4)" $(TOOLS)/vm.sh $(5) \
		$(BUILD)/initramfs-$(2).cpio.gz $(RESULTS)/$(2) $(VM_CMDLINE) $(3)
endef

# Debian's stock kernel with the out-of-tree modules and tests.
stock_boot = $(call vm_boot_with,$(1),$(2),$(3),$(4),\
	$(STOCK)/boot/vmlinuz-$(KVER),$(STOCK),$(KVER),$(MODDIR),$(BUILD)/tests)
# A kernel built by kernel-build.sh ($(5): debug or perf), xbuf in tree.
built_boot = $(call vm_boot_with,$(1),$(2),$(3),$(4),\
	$(KOUT_$(5))/bzImage,$(KOUT_$(5))/root,\
	$(shell cat $(KOUT_$(5))/kernelrelease),-,$(KOUT_$(5))/tests,\
	xbuf_heap xbuf_dma)

KOUT_debug = $(shell cat $(BUILD)/kernel-debug.path)
KOUT_perf = $(shell cat $(BUILD)/kernel-perf.path)

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

# $(1): stock_boot or built_boot, $(2): name prefix, $(3): built variant
define four_boots
	$(call $(1),check.sh,$(2)-loopback,,,$(3)) || true
	$(call $(1),check.sh,$(2)-swiotlb,swiotlb=131072$(comma)force,,$(3)) || true
	$(call $(1),check.sh,$(2)-edu,xbuf_dma.edu_dma_bits=32,$(EDU_QEMU),$(3)) || true
	$(call $(1),check.sh,$(2)-edu-iommu,intel_iommu=on,$(IOMMU_QEMU),$(3)) || true
endef

run: deps
	@$(MAKE) --no-print-directory vm-run

vm-run: modules demo
	rm -rf $(RESULTS)/demo
	$(call stock_boot,run.sh,demo)
	@sed -n '/^xbuf: loaded/,$$p' $(RESULTS)/demo/output.log

# The change as a patch series against linux-source-6.1, for those who
# carry patches: build/patches/.
patches:
	$(TOOLS)/intree.sh --patches $(BUILD)/patches

# The kernels built from linux-source-6.1 with xbuf in tree (cached).
kernel-%:
	mkdir -p $(BUILD)
	$(TOOLS)/kernel-build.sh $* >$(BUILD)/kernel-$*.path

check: deps
	@$(MAKE) --no-print-directory vm-check

# The static checks, the patch series and the stock kernel's four boots.
vm-check: lint selftests patches
	rm -rf $(RESULTS)
	$(call four_boots,stock_boot,stock)
	@$(MAKE) --no-print-directory report

# The kernels built with xbuf in tree: the debug kernel (KASAN, lockdep,
# DMA-API debug, kmemleak) in the same four configurations, and one boot
# of the perf kernel, where xbuf_heap is built in and registers with the
# dma-heap framework beside the upstream heaps.
check-kernels: deps
	@$(MAKE) --no-print-directory vm-check-kernels

vm-check-kernels: selftests kernel-debug kernel-perf
	rm -rf $(RESULTS)
	$(call four_boots,built_boot,debug,debug)
	$(call built_boot,check.sh,perf-loopback,,,perf) || true
	@$(MAKE) --no-print-directory report

check-all: deps
	@$(MAKE) --no-print-directory vm-check-all

vm-check-all: lint selftests patches kernel-debug kernel-perf
	rm -rf $(RESULTS)
	$(call four_boots,stock_boot,stock)
	$(call four_boots,built_boot,debug,debug)
	$(call built_boot,check.sh,perf-loopback,,,perf) || true
	@$(MAKE) --no-print-directory report

report:
	@for r in $(RESULTS)/*/; do \
		sed -n "s|^xbuf-engine|$$(basename $$r): engine|p; \
			s|^xbuf-\(kmemleak\|dma-api-errors\)|$$(basename $$r): \1|p" \
			$$r/output.log; \
	done
	@$(TOOLS)/summary.sh $(RESULTS)

clean:
	-$(KBUILD) clean
	rm -rf $(BUILD)
