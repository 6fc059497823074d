use galaxy_io::GalaxyRecord;

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    #[galaxy(split = ["Posx", "Posy"])]
    pos: [f32; 3],
    #[galaxy(split = ["Mx", "My"])]
    mass: f32,
    #[galaxy(split = ["Vx", "Vy"], descriptions = ["x"])]
    vel: [f32; 2],
    #[galaxy(descriptions = ["a", "b"])]
    spin: f32,
    #[galaxy(split = ["Ax", "Ay"], descriptions = ["x", "y"], description = "both")]
    acc: [f32; 2],
}

fn main() {}
