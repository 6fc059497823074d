//! The fix the padding error suggests: an explicit, skipped padding field.
use galaxy_io::{GalaxyRecord, Schema};

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    kind: i32,
    #[galaxy(skip)]
    _padding: [u8; 4],
    mass: f64,
}

fn main() {
    let schema = Schema::of::<Galaxy>().unwrap();
    assert_eq!(schema.record_size(), 16);
    assert_eq!(schema.fields().len(), 2);
}
