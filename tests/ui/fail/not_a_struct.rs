use galaxy_io::GalaxyRecord;

#[derive(GalaxyRecord)]
#[repr(C)]
enum Kind {
    Central,
    Satellite,
}

fn main() {}
