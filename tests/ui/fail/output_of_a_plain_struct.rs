//! A struct that does not derive GalaxyRecord, used as an output's record.
use galaxy_io::{Hdf5Options, Hdf5Output};

#[derive(Clone, Copy)]
#[repr(C)]
struct Galaxy {
    mass: f32,
}

fn main() {
    let _ = Hdf5Output::<Galaxy>::create("model.hdf5", &[63], Hdf5Options::default());
}
