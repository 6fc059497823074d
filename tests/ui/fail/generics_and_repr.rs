use galaxy_io::GalaxyRecord;

// Both problems are reported in one run.
#[derive(Clone, Copy, GalaxyRecord)]
struct Galaxy<T: Copy> {
    mass: T,
}

fn main() {}
