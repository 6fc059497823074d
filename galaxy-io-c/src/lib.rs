//! The C API of galaxy-io: `libgalaxy_io.so`, `libgalaxy_io.a` and `include/galaxy_io.h`.
//!
//! C programs (SAGE first) write SAGE-layout HDF5 catalogues through the same buffer manager and
//! write callback as Rust ones. The style is rustls-ffi's:
//!
//! - opaque handles (`gio_schema`, `gio_output`) that C only passes back; they are numbers
//!   looked up in a registry of live handles, never dereferenced, so a handle used after
//!   `gio_output_finish` or freed twice is reported, not undefined behaviour;
//! - every fallible function returns a [`gio_status`](status::gio_status), and
//!   `gio_last_error()` gives the thread's last message, with file, snapshot and field;
//! - no Rust panic crosses into C: each entry point catches it and returns `GIO_PANIC`;
//! - `gio_output_finish` and the `_free` functions take the handle's address and clear it.
//!
//! ```c
//! gio_schema *schema = NULL;
//! gio_output *output = NULL;
//! uint32_t snapshots[] = {63, 32};
//! gio_options options = gio_options_default();
//! if (gio_schema_sage(&schema) != GIO_OK ||
//!     gio_output_create("model_0.hdf5", schema, snapshots, 2, NULL, 0, &options, &output) != GIO_OK)
//!     fprintf(stderr, "%s\n", gio_last_error());
//! gio_output_write(output, 63, galaxies, n * sizeof(gio_sage_galaxy));
//! gio_output_finish(&output); // output is NULL now
//! gio_schema_free(&schema);
//! ```
#![allow(non_camel_case_types)]
#![warn(missing_docs, missing_debug_implementations)]

mod files;
mod handle;
mod header;
mod history;
mod output;
mod schema;
mod status;
mod text;

pub use files::{gio_recover, gio_write_master};
pub use header::{
    gio_header_group, gio_output_set_double, gio_output_set_double_array, gio_output_set_int32,
    gio_output_set_int32_array, gio_output_set_int64, gio_output_set_int64_array,
    gio_output_set_string,
};
pub use history::{
    gio_appearance, gio_catalogue, gio_catalogue_free, gio_catalogue_history, gio_catalogue_open,
};
pub use output::{
    gio_durability, gio_options, gio_options_default, gio_output, gio_output_create,
    gio_output_finish, gio_output_flush, gio_output_free, gio_output_record_size, gio_output_write,
    gio_output_write_tree,
};
pub use schema::{
    gio_dtype, gio_field_flag, gio_schema, gio_schema_add_field, gio_schema_add_field_flags,
    gio_schema_add_property, gio_schema_add_property_flags, gio_schema_add_split_field,
    gio_schema_free, gio_schema_new, gio_schema_record_size, gio_schema_sage, gio_schema_set_key,
};
pub use status::{gio_last_error, gio_status};
