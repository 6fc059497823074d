use galaxy_io::GalaxyRecord;

const DIM: usize = 3;

// The length is a named constant, so the derive cannot count it: a const assertion does.
#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    #[galaxy(split = ["Velx", "Vely"])]
    vel: [f32; DIM],
}

fn main() {}
