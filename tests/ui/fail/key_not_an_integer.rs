// A type the derive cannot see through (an alias) is refused by the key bound.
use galaxy_io::GalaxyRecord;

type Mass = f32;

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    #[galaxy(key)]
    mass: Mass,
}

fn main() {}
