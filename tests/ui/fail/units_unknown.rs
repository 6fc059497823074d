use galaxy_io::GalaxyRecord;

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    #[galaxy(name = "StellarMass", units = "1.0e10 Msum/h")]
    stellar_mass: f32,
    #[galaxy(name = "Rvir", units = "furlong/h")]
    rvir: f32,
    #[galaxy(name = "Vmax", units = "km s-1")]
    vmax: f32,
}

fn main() {}
