//! `#[galaxy(key)]` on one integer field, also through a flattened record and an alias.
use galaxy_io::{GalaxyRecord, Schema};

type Id = i32;

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Ids {
    #[galaxy(key, name = "Index")]
    index: Id,
    tree: i32,
}

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    #[galaxy(flatten, name = "Galaxy")]
    ids: Ids,
    mass: f32,
}

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Keyless {
    mass: f32,
}

fn main() {
    let schema = Schema::of::<Galaxy>().unwrap();
    assert_eq!(schema.key().unwrap().name, "GalaxyIndex");
    assert!(Schema::of::<Keyless>().unwrap().key().is_none());
}
