//! A record whose attributes have a mistake, used as an output's record: the mistake is the only
//! error, not one about the record's traits wherever it is used.
use galaxy_io::{GalaxyRecord, Hdf5Options, Hdf5Output};

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    #[galaxy(unit = "Mpc/h")]
    pos: f32,
}

fn main() {
    let _ = Hdf5Output::<Galaxy>::create("model.hdf5", &[63], Hdf5Options::default());
}
