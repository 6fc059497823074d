//! Every supported element type, arrays of one and two dimensions, and a packed struct.
use galaxy_io::{Dtype, GalaxyRecord, Schema};

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Everything {
    matrix: [[f64; 4]; 2],
    a: f64,
    b: i64,
    c: u64,
    d: f32,
    e: i32,
    f: u32,
    g: i16,
    h: u16,
    i: i8,
    j: u8,
    pair: [u8; 2],
    vector: [i32; 3],
    last: i32,
    tail: [u8; 4],
}

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C, packed)]
struct Packed {
    small: u8,
    big: f64,
}

fn main() {
    let schema = Schema::of::<Everything>().unwrap();
    let dtypes: Vec<Dtype> = schema.fields().iter().map(|field| field.dtype).collect();
    use Dtype::*;
    assert_eq!(dtypes, [F64, F64, I64, U64, F32, I32, U32, I16, U16, I8, U8, U8, I32, I32, U8]);
    assert_eq!(schema.field("matrix").unwrap().shape, [2, 4]);
    assert_eq!(schema.field("vector").unwrap().shape, [3]);
    assert!(schema.field("a").unwrap().shape.is_empty());
    assert_eq!(schema.field("matrix").unwrap().offset, std::mem::offset_of!(Everything, matrix));
    assert_eq!(schema.record_size(), std::mem::size_of::<Everything>());

    let packed = Schema::of::<Packed>().unwrap();
    assert_eq!(packed.record_size(), 9);
    assert_eq!(packed.field("big").unwrap().offset, 1);
}
