use galaxy_io::GalaxyRecord;

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    #[galaxy(split = ["Posx", "Posy"])]
    pos: [f32; 3],
    #[galaxy(split = ["Mx", "My"])]
    mass: f32,
}

fn main() {}
