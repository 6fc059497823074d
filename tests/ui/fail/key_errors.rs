use galaxy_io::GalaxyRecord;

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct TwoKeys {
    #[galaxy(key)]
    id: i64,
    #[galaxy(key)]
    other: i64,
}

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct NotIntegers {
    #[galaxy(key)]
    mass: f64,
}

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Wide {
    #[galaxy(key)]
    id: u64,
}

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Conflicts {
    #[galaxy(key, skip)]
    scratch: i64,
    #[galaxy(key, split = ["Ix", "Iy"])]
    ids: [i32; 2],
}

fn main() {}
