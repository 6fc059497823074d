//! `include/galaxy_io.h` is what cbindgen generates from the crate, with SAGE's record as a C
//! struct generated from galaxy-io's `SageGalaxy`: this test fails when the committed header is
//! out of date, and rewrites it with `GALAXY_IO_BLESS=1`.

use galaxy_io::sage::SageGalaxy;
use galaxy_io::{Dtype, Schema};
use std::fmt::Write as _;
use std::path::Path;

fn c_type(dtype: Dtype) -> &'static str {
    match dtype {
        Dtype::I8 => "int8_t",
        Dtype::I16 => "int16_t",
        Dtype::I32 => "int32_t",
        Dtype::I64 => "int64_t",
        Dtype::U8 => "uint8_t",
        Dtype::U16 => "uint16_t",
        Dtype::U32 => "uint32_t",
        Dtype::U64 => "uint64_t",
        Dtype::F32 => "float",
        Dtype::F64 => "double",
    }
}

/// `gio_sage_galaxy`: one member per dataset of `SageGalaxy`, in record order, and a
/// compile-time check of its size and of every member's offset.
fn sage_record() -> String {
    let schema = Schema::of::<SageGalaxy>().unwrap();
    let mut fields = schema.fields().to_vec();
    fields.sort_by_key(|field| field.offset);
    let mut c = String::from(
        "/**\n * One galaxy as SAGE outputs it (galaxy-io's SageGalaxy, generated from it): the rows of an\n * output made with gio_schema_sage(), one member per dataset. The assertions below make a C\n * compiler refuse a layout that differs from the Rust record's.\n */\ntypedef struct gio_sage_galaxy {\n",
    );
    // Bytes of the record that are no dataset (skipped fields) become padding members, so
    // that the C struct has the record's size whatever the compiler's alignment rules.
    let padding = |c: &mut String, from: usize, to: usize| {
        if to > from {
            writeln!(c, "    /** Not written (a skipped field). */").unwrap();
            writeln!(c, "    uint8_t padding_{from}[{}];", to - from).unwrap();
        }
    };
    let mut end = 0;
    for field in &fields {
        assert!(field.shape.is_empty(), "{} is a scalar", field.name);
        padding(&mut c, end, field.offset);
        end = field.offset + field.size();
        writeln!(c, "    /** {} ({}) */", field.description, field.units).unwrap();
        writeln!(c, "    {} {};", c_type(field.dtype), field.name).unwrap();
    }
    padding(&mut c, end, schema.record_size());
    c += "} gio_sage_galaxy;\n\n";
    c += "/* _Static_assert in C11 and later, a negative array size in C99. */\n";
    c += "#if defined(__cplusplus)\n#define GIO_STATIC_ASSERT(condition, name) static_assert(condition, #name)\n";
    c += "#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L\n#define GIO_STATIC_ASSERT(condition, name) _Static_assert(condition, #name)\n";
    c += "#else\n#define GIO_STATIC_ASSERT(condition, name) typedef char gio_static_assert_##name[(condition) ? 1 : -1]\n#endif\n\n";
    writeln!(
        c,
        "GIO_STATIC_ASSERT(sizeof(gio_sage_galaxy) == {}, gio_sage_galaxy_size);",
        schema.record_size()
    )
    .unwrap();
    for field in &fields {
        writeln!(
            c,
            "GIO_STATIC_ASSERT(offsetof(gio_sage_galaxy, {name}) == {offset}, gio_sage_galaxy_{name});",
            name = field.name,
            offset = field.offset
        )
        .unwrap();
    }
    c
}

fn generate() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).unwrap();
    config.after_includes = Some(sage_record());
    let mut bytes = Vec::new();
    cbindgen::Builder::new()
        .with_crate(dir)
        .with_config(config)
        .generate()
        .expect("cbindgen parses the crate")
        .write(&mut bytes);
    String::from_utf8(bytes).unwrap()
}

#[test]
fn the_committed_header_is_what_cbindgen_generates() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/galaxy_io.h");
    let generated = generate();
    if std::env::var_os("GALAXY_IO_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is out of date with the Rust source: run `GALAXY_IO_BLESS=1 cargo test -p galaxy-io-c --test header` and commit it",
        path.display()
    );
}
