//! Schemas from C: SAGE's record, or one built field by field and checked at run time by the
//! library's own [`Schema::new`] (the checks and messages of `#[derive(GalaxyRecord)]`).

use crate::handle::{self, Registry};
use crate::status::{gio_status, guard, Failure};
use crate::text;
use galaxy_io::sage::SageGalaxy;
use galaxy_io::{Dtype, Field, Schema};
use std::ffi::c_char;

/// A record layout: which bytes of a row are which dataset. Opaque; made by `gio_schema_sage`
/// or `gio_schema_new`, released by `gio_schema_free`.
#[derive(Debug)]
pub struct gio_schema {
    _opaque: [u8; 0],
}

/// The element type of a field.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum gio_dtype {
    /// `int8_t`.
    GIO_INT8 = 0,
    /// `int16_t`.
    GIO_INT16 = 1,
    /// `int32_t`.
    GIO_INT32 = 2,
    /// `int64_t`.
    GIO_INT64 = 3,
    /// `uint8_t`.
    GIO_UINT8 = 4,
    /// `uint16_t`.
    GIO_UINT16 = 5,
    /// `uint32_t`.
    GIO_UINT32 = 6,
    /// `uint64_t`.
    GIO_UINT64 = 7,
    /// `float`.
    GIO_FLOAT = 8,
    /// `double`.
    GIO_DOUBLE = 9,
}

/// What a field's flags say, OR-ed together (`gio_schema_add_field_flags`, ...); 0 for none.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum gio_field_flag {
    /// The values are comoving: the dataset's `a-scale exponent` is the units' length exponent
    /// (1 for `Mpc/h`), as `#[galaxy(comoving)]` declares it in Rust. The units need a length.
    GIO_FIELD_COMOVING = 1,
}

impl gio_field_flag {
    /// Every flag: what a `flags` argument may hold.
    const ALL: u32 = gio_field_flag::GIO_FIELD_COMOVING as u32;
}

/// A `gio_dtype` passed as a plain number: C may pass any value, so it is checked. The
/// `gio_dtype` numbers follow the order of [`Dtype::ALL`].
fn dtype(value: u32) -> Result<Dtype, Failure> {
    Dtype::ALL
        .get(value as usize)
        .copied()
        .ok_or_else(|| Failure::invalid(format!("{value} is not a gio_dtype (0 to 9)")))
}

pub(crate) static SCHEMAS: Registry<Schema> = Registry::new("gio_schema");

/// The schema of a live handle, copied.
pub(crate) fn get(schema: *const gio_schema) -> Result<Schema, Failure> {
    SCHEMAS.with(handle::id(schema, "schema")?, |schema| Ok(schema.clone()))
}

fn publish(schema: Schema, out: *mut *mut gio_schema) -> Result<(), Failure> {
    // SAFETY: the caller's contract: `out` is NULL or valid for writes.
    let out = unsafe { text::out(out, "out") }?;
    *out = SCHEMAS.insert(schema)? as *mut gio_schema;
    Ok(())
}

/// A field's description as C passes it.
struct FieldArgs {
    name: *const c_char,
    dtype: u32,
    count: usize,
    units: *const c_char,
    description: *const c_char,
    /// `gio_field_flag`s.
    flags: u32,
}

impl FieldArgs {
    /// The field at `offset`; `count` elements (1 for a scalar).
    ///
    /// # Safety
    /// The strings are NULL or NUL-terminated (units and description may be NULL).
    unsafe fn field(&self, offset: usize) -> Result<Field, Failure> {
        if self.count == 0 {
            return Err(Failure::invalid(
                "a field needs at least one element (count 0)",
            ));
        }
        // SAFETY: passed on from the caller.
        let name = unsafe { text::string(self.name, "name")? };
        // SAFETY: passed on from the caller.
        let mut field = unsafe { self.component(name, offset)? };
        if self.count > 1 {
            field.shape = vec![self.count];
        }
        Ok(field)
    }

    /// One scalar field `name` at `offset`, with the arguments' type, units, description and
    /// flags.
    ///
    /// # Safety
    /// As [`field`](Self::field).
    unsafe fn component(&self, name: &str, offset: usize) -> Result<Field, Failure> {
        if self.flags & !gio_field_flag::ALL != 0 {
            return Err(Failure::invalid(format!(
                "{:#x} holds bits that are no gio_field_flag",
                self.flags
            )));
        }
        // SAFETY: passed on from the caller.
        let (units, description) = unsafe {
            (
                text::optional_string(self.units, "units")?,
                text::optional_string(self.description, "description")?,
            )
        };
        let comoving = self.flags & gio_field_flag::GIO_FIELD_COMOVING as u32 != 0;
        let mut field = Field::scalar(name, offset, dtype(self.dtype)?);
        // Units go through the derive's grammar, so that a C schema's datasets carry the same
        // machine-readable unit attributes as a derived one's; comoving without units is the
        // grammar's error too (a pure number has no length).
        if !units.is_empty() || comoving {
            field = field.with_units(units, comoving)?;
        }
        field.description = description.to_owned();
        Ok(field)
    }
}

/// Adds `fields` to the schema, all or none.
fn add(schema: *mut gio_schema, fields: Vec<Field>) -> Result<(), Failure> {
    SCHEMAS.with(handle::id(schema, "schema")?, |schema| {
        let mut all = schema.fields().to_vec();
        all.extend(fields);
        *schema = Schema::new(all, schema.record_size())?;
        Ok(())
    })
}

/// Makes the schema of SAGE's own record, `gio_sage_galaxy` (232 bytes, its 54 datasets with
/// SAGE's names, units and descriptions).
///
/// ```c
/// gio_schema *schema = NULL;
/// if (gio_schema_sage(&schema) != GIO_OK)
///     fprintf(stderr, "%s\n", gio_last_error());
/// ```
///
/// # Safety
/// `out` is NULL (an error) or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn gio_schema_sage(out: *mut *mut gio_schema) -> gio_status {
    guard(|| publish(Schema::of::<SageGalaxy>()?, out))
}

/// Makes an empty schema for records of `record_size` bytes, to add fields to with
/// `gio_schema_add_field`.
///
/// ```c
/// struct row { double mass; int32_t kind; float pos[3]; };
/// gio_schema *schema = NULL;
/// gio_schema_new(sizeof(struct row), &schema);
/// ```
///
/// # Safety
/// `out` is NULL (an error) or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn gio_schema_new(
    record_size: usize,
    out: *mut *mut gio_schema,
) -> gio_status {
    guard(|| publish(Schema::new(Vec::new(), record_size)?, out))
}

/// Adds a field: `count` elements of `dtype` (a `gio_dtype`) at byte `offset` of the record,
/// written as dataset `name` (a 1-D dataset when `count` is 1, else one row of `count` per
/// galaxy) with the `Units` and `Description` attributes given (NULL for none). The schema is
/// checked as `#[derive(GalaxyRecord)]` checks a Rust record, with the same messages: a name
/// used twice, a field that does not fit in the record, two fields that overlap, units that the
/// derive's grammar does not understand (`"1e10 Msun/h"`, `"km/s"`, `"Unitless"` ...) are errors
/// (`GIO_SCHEMA_ERROR`), and the schema stays as it was. Parsed units give the dataset the
/// machine-readable unit attributes too, as not comoving (`gio_schema_add_field_flags` with
/// `GIO_FIELD_COMOVING` declares comoving values).
///
/// ```c
/// gio_schema_add_field(schema, "Mass", GIO_DOUBLE, offsetof(struct row, mass), 1, "1e10 Msun/h", "Mass.");
/// gio_schema_add_field(schema, "Vel", GIO_FLOAT, offsetof(struct row, vel), 3, "km/s", NULL);
/// ```
///
/// # Safety
/// `name` is NULL (an error) or NUL-terminated; `units` and `description` are NULL or
/// NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn gio_schema_add_field(
    schema: *mut gio_schema,
    name: *const c_char,
    dtype: u32,
    offset: usize,
    count: usize,
    units: *const c_char,
    description: *const c_char,
) -> gio_status {
    // SAFETY: the caller's contract, passed on.
    unsafe { gio_schema_add_field_flags(schema, name, dtype, offset, count, units, description, 0) }
}

/// As `gio_schema_add_field`, with `flags`: `gio_field_flag`s OR-ed together, 0 for none.
/// `GIO_FIELD_COMOVING` declares the values comoving (`#[galaxy(comoving)]` in Rust): the
/// dataset's `a-scale exponent` is the units' length exponent, and units without a length are
/// a `GIO_SCHEMA_ERROR`. Bits that are no flag are `GIO_INVALID_ARGUMENT`.
///
/// ```c
/// gio_schema_add_field_flags(schema, "Pos", GIO_FLOAT, offsetof(struct row, pos), 3, "Mpc/h",
///                            "Position.", GIO_FIELD_COMOVING);
/// ```
///
/// # Safety
/// As `gio_schema_add_field`.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // one per piece of a field, as in gio_schema_add_field
pub unsafe extern "C" fn gio_schema_add_field_flags(
    schema: *mut gio_schema,
    name: *const c_char,
    dtype: u32,
    offset: usize,
    count: usize,
    units: *const c_char,
    description: *const c_char,
    flags: u32,
) -> gio_status {
    let args = FieldArgs {
        name,
        dtype,
        count,
        units,
        description,
        flags,
    };
    guard(|| {
        // SAFETY: the caller's contract, passed on.
        let field = unsafe { args.field(offset) }?;
        add(schema, vec![field])
    })
}

/// Adds an array of `count` elements of `dtype` at byte `offset` as `count` 1-D datasets, one
/// per element, named `names[0]`, `names[1]`, ... (`#[galaxy(split = [...])]` in Rust, SAGE's
/// way of writing vectors); each gets the `units`, `description` and `flags` given. The
/// components are added all together or, on any error, none of them.
///
/// ```c
/// const char *names[3] = {"Posx", "Posy", "Posz"};
/// gio_schema_add_split_field(schema, names, 3, GIO_FLOAT, offsetof(struct row, pos), "Mpc/h",
///                            "Position.", GIO_FIELD_COMOVING);
/// ```
///
/// # Safety
/// `names` is NULL (an error) or holds `count` pointers, each NULL (an error) or
/// NUL-terminated; `units` and `description` are NULL or NUL-terminated.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // one per piece of a field, as in gio_schema_add_field
pub unsafe extern "C" fn gio_schema_add_split_field(
    schema: *mut gio_schema,
    names: *const *const c_char,
    count: usize,
    dtype: u32,
    offset: usize,
    units: *const c_char,
    description: *const c_char,
    flags: u32,
) -> gio_status {
    guard(|| {
        if count == 0 {
            return Err(Failure::invalid(
                "a split field needs at least one component (count 0)",
            ));
        }
        // SAFETY: the caller's contract: `count` pointers.
        let names = unsafe { text::slice(names, count, "names") }?;
        let size = self::dtype(dtype)?.size();
        let mut fields = Vec::with_capacity(count);
        for (index, &name) in names.iter().enumerate() {
            let args = FieldArgs {
                name,
                dtype,
                count: 1,
                units,
                description,
                flags,
            };
            let at = index
                .checked_mul(size)
                .and_then(|bytes| offset.checked_add(bytes))
                .ok_or_else(|| Failure::invalid("the field's components run past usize::MAX"))?;
            // SAFETY: the caller's contract: each name NULL or NUL-terminated.
            let name = unsafe { text::string(name, &format!("names[{index}]")) }?;
            // SAFETY: passed on from the caller.
            fields.push(unsafe { args.component(name, at) }?);
        }
        add(schema, fields)
    })
}

/// Adds a run-time (extended) property after the record, as galaxy-io's `PropertyRegistry`
/// does: `count` elements of `dtype` at the next offset aligned to the element size. The record
/// grows to a multiple of the widest element of all its fields, so that in an array of rows
/// every field of every row is aligned (a record of an `int64_t` and a `float` property has
/// 16-byte rows, the `float` at 8). `*offset` receives where the property is in a row;
/// `gio_schema_record_size` gives the grown record's size, which rows must then have.
///
/// ```c
/// size_t at = 0, row_size = 0;
/// gio_schema_add_property(schema, "H2Mass", GIO_FLOAT, 1, "1e10 Msun/h", "Molecular gas.", &at);
/// gio_schema_record_size(schema, &row_size);
/// ```
///
/// # Safety
/// As `gio_schema_add_field`; `offset` is NULL (an error) or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn gio_schema_add_property(
    schema: *mut gio_schema,
    name: *const c_char,
    dtype: u32,
    count: usize,
    units: *const c_char,
    description: *const c_char,
    offset: *mut usize,
) -> gio_status {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        gio_schema_add_property_flags(schema, name, dtype, count, units, description, 0, offset)
    }
}

/// As `gio_schema_add_property`, with `flags` as in `gio_schema_add_field_flags`.
///
/// ```c
/// gio_schema_add_property_flags(schema, "DiskCentre", GIO_FLOAT, 3, "Mpc/h", NULL,
///                               GIO_FIELD_COMOVING, &at);
/// ```
///
/// # Safety
/// As `gio_schema_add_property`.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // one per piece of a property, as in gio_schema_add_property
pub unsafe extern "C" fn gio_schema_add_property_flags(
    schema: *mut gio_schema,
    name: *const c_char,
    dtype: u32,
    count: usize,
    units: *const c_char,
    description: *const c_char,
    flags: u32,
    offset: *mut usize,
) -> gio_status {
    let args = FieldArgs {
        name,
        dtype,
        count,
        units,
        description,
        flags,
    };
    guard(|| {
        // SAFETY: the caller's contract, passed on.
        let (field, offset) = unsafe { (args.field(0)?, text::out(offset, "offset")?) };
        let name = field.name.clone();
        SCHEMAS.with(handle::id(schema, "schema")?, |schema| {
            let grown = schema.extended([field])?;
            *offset = grown.field(&name).map_or(0, |f| f.offset);
            *schema = grown;
            Ok(())
        })
    })
}

/// Declares the field `name` the schema's key: the integer that identifies a galaxy across
/// snapshots (SAGE's `GalaxyIndex`), for which an output writes a history index at finish, as
/// `#[galaxy(key)]` declares it in Rust. The field must be one integer of `GIO_INT8` to
/// `GIO_INT64` or `GIO_UINT8` to `GIO_UINT32`; anything else is a `GIO_SCHEMA_ERROR`, and the
/// schema stays as it was. `gio_schema_sage` declares `GalaxyIndex` already.
///
/// ```c
/// gio_schema_add_field(schema, "GalaxyIndex", GIO_INT64, offsetof(struct row, id), 1, NULL, NULL);
/// gio_schema_set_key(schema, "GalaxyIndex");
/// ```
///
/// # Safety
/// `name` is NULL (an error) or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn gio_schema_set_key(
    schema: *mut gio_schema,
    name: *const c_char,
) -> gio_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let name = unsafe { text::string(name, "name") }?;
        SCHEMAS.with(handle::id(schema, "schema")?, |schema| {
            *schema = schema.clone().with_key(name)?;
            Ok(())
        })
    })
}

/// The size in bytes of one record of `schema`: rows passed to `gio_output_write` are a whole
/// number of them.
///
/// # Safety
/// `size` is NULL (an error) or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn gio_schema_record_size(
    schema: *const gio_schema,
    size: *mut usize,
) -> gio_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let size = unsafe { text::out(size, "size") }?;
        *size = get(schema)?.record_size();
        Ok(())
    })
}

/// Releases a schema and sets `*schema` to NULL. Outputs made from it keep their own copy.
/// Freeing NULL, or a schema freed already, is an error (`GIO_NULL_POINTER`,
/// `GIO_INVALID_HANDLE`), never undefined behaviour.
///
/// ```c
/// gio_schema_free(&schema); // schema == NULL
/// ```
///
/// # Safety
/// `schema` is NULL (an error) or valid for reading and writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn gio_schema_free(schema: *mut *mut gio_schema) -> gio_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let slot = unsafe { text::out(schema, "schema") }?;
        SCHEMAS.remove(handle::id(*slot, "*schema")?)?;
        *slot = std::ptr::null_mut();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each `gio_dtype` the header declares names the element type of the same C type.
    #[test]
    fn gio_dtype_numbers_are_the_library_types() {
        use gio_dtype::*;
        for (number, expected) in [
            (GIO_INT8, Dtype::I8),
            (GIO_INT16, Dtype::I16),
            (GIO_INT32, Dtype::I32),
            (GIO_INT64, Dtype::I64),
            (GIO_UINT8, Dtype::U8),
            (GIO_UINT16, Dtype::U16),
            (GIO_UINT32, Dtype::U32),
            (GIO_UINT64, Dtype::U64),
            (GIO_FLOAT, Dtype::F32),
            (GIO_DOUBLE, Dtype::F64),
        ] {
            assert_eq!(dtype(number as u32).ok(), Some(expected));
        }
        assert!(dtype(10).is_err());
    }
}
