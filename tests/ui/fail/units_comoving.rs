use galaxy_io::GalaxyRecord;

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    #[galaxy(name = "Mvir", units = "1.0e10 Msun/h", comoving)]
    mvir: f32,
    #[galaxy(name = "Posx", comoving)]
    x: f32,
    #[galaxy(name = "dT", units_text = "Myr")]
    dt: f32,
    #[galaxy(name = "Posy", units = "Mpc/h", scale = "a")]
    y: f32,
}

fn main() {}
