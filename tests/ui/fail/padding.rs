use galaxy_io::GalaxyRecord;

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    kind: i32,
    mass: f64,
    flag: u8,
}

fn main() {}
