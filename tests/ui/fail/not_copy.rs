use galaxy_io::GalaxyRecord;

#[derive(GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    mass: f32,
}

fn main() {}
