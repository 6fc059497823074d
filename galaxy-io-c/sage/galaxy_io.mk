# Builds SAGE with galaxy-io's HDF5 writer (save_gals_galaxy_io.c beside this file) in place of
# its own src/io/save_gals_hdf5.c, linked with libgalaxy_io.a, without editing SAGE's files.
# From SAGE's directory, after `cargo build --release -p galaxy-io-c` in galaxy-io's:
#
#     make -f /path/to/galaxy-io/galaxy-io-c/sage/galaxy_io.mk -f Makefile sage
#
# GALAXY_IO_LIB names another build of the library (a debug one, say). Read before SAGE's
# Makefile, the `override`s below win over its own lists of HDF5 sources and objects; the
# writer's object is made in SAGE's directory.

GALAXY_IO_C := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
GALAXY_IO_LIB ?= $(GALAXY_IO_C)/../target/release/libgalaxy_io.a

GALAXY_IO_KEPT := src/io/read_tree_lhalo_hdf5 src/io/read_tree_genesis_hdf5 src/io/hdf5_read_utils \
                  src/io/read_tree_consistentrees_hdf5 src/io/read_tree_gadget4_hdf5
override H5_SRC := $(addsuffix .c,$(GALAXY_IO_KEPT)) save_gals_galaxy_io.c
override H5_INCL := $(addsuffix .h,$(GALAXY_IO_KEPT)) src/io/save_gals_hdf5.h \
                    $(GALAXY_IO_C)/include/galaxy_io.h
# The library goes on the link line with the objects, before SAGE's -lhdf5, as a copy whose
# versions of libm's functions are local. Rust's runtime carries its own (weak, hidden, for
# systems without a libm); linked ahead of -lm, they would be what SAGE's own calls bind to:
# its cbrt is correctly rounded where the C library's is not, slower, and may differ from stock
# SAGE in the last bit.
override H5_OBJS := $(addsuffix .o,$(GALAXY_IO_KEPT)) save_gals_galaxy_io.o galaxy_io_linked.a

vpath save_gals_galaxy_io.c $(GALAXY_IO_C)/sage
# The writer includes SAGE's headers from src/ and galaxy_io.h.
export CPATH := $(CURDIR)/src:$(GALAXY_IO_C)/include$(if $(CPATH),:$(CPATH))

# SAGE's own default, not the rule below.
.DEFAULT_GOAL := all

galaxy_io_linked.a: $(GALAXY_IO_LIB) $(GALAXY_IO_C)/libm.syms
	objcopy --localize-symbols=$(GALAXY_IO_C)/libm.syms $< $@

$(GALAXY_IO_LIB):
	$(error $(GALAXY_IO_LIB) is missing: run `cargo build --release -p galaxy-io-c` in galaxy-io first, or set GALAXY_IO_LIB)
