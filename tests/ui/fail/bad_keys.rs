use galaxy_io::GalaxyRecord;

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
#[galaxy(rename_all = "PascalCase")]
struct Galaxy {
    #[galaxy(unit = "Mpc/h")]
    pos: f32,
    #[galaxy(name = "Mvir", name = "Mass")]
    mvir: f32,
    #[galaxy(units = "km/s")]
    #[galaxy(units = "m/s")]
    vmax: f32,
    #[galaxy(skip, name = "Hidden")]
    scratch: f32,
    #[galaxy(split = ["Velx", "Vely", "Velz"], name = "Vel")]
    vel: [f32; 3],
}

fn main() {}
