use galaxy_io::GalaxyRecord;

#[derive(Clone, Copy)]
#[repr(C)]
struct Metals {
    cold: f32,
}

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    metals: Metals,
}

fn main() {}
