# Links output_timer.c into SAGE, wrapping its four HDF5 output functions to time them (for
# benches/sage_output.rs). Read after SAGE's Makefile, with either writer:
#
#     make -f Makefile -f /path/to/galaxy-io-c/sage/output_timer.mk sage
#     make -f /path/to/galaxy-io-c/sage/galaxy_io.mk -f Makefile -f /path/to/.../output_timer.mk sage

GALAXY_IO_SAGE := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

vpath output_timer.c $(GALAXY_IO_SAGE)
export CPATH := $(CURDIR)/src$(if $(CPATH),:$(CPATH))

# A further prerequisite of SAGE's binary, so on its link line; the recipe reads LIBFLAGS when it
# runs.
$(EXEC): output_timer.o
LIBFLAGS += $(foreach f,initialize_hdf5_galaxy_files save_hdf5_galaxies finalize_hdf5_galaxy_files create_hdf5_master_file,-Wl,--wrap=$(f))
