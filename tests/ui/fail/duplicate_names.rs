use galaxy_io::GalaxyRecord;

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    #[galaxy(name = "Mvir")]
    mass: f32,
    #[galaxy(name = "Mvir")]
    virial_mass: f32,
    #[galaxy(split = ["Posx", "Posy", "Posx"])]
    pos: [f32; 3],
    #[galaxy(name = "Snap/Num")]
    snap: i32,
}

fn main() {}
