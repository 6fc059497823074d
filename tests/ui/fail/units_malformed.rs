use galaxy_io::GalaxyRecord;

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    #[galaxy(units = "km//s")]
    vmax: f32,
    #[galaxy(units = "Mpc^")]
    rvir: f32,
    #[galaxy(units = "(Mpc/h")]
    radius: f32,
    #[galaxy(units = "log10(erg/s")]
    cooling: f32,
}

fn main() {}
