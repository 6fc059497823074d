use galaxy_io::GalaxyRecord;

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy;

fn main() {}
