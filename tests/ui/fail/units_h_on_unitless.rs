use galaxy_io::GalaxyRecord;

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    #[galaxy(name = "Type", units = "Unitless/h")]
    kind: i32,
    #[galaxy(name = "Len", units = "h^-1")]
    len: i32,
    #[galaxy(name = "SfrDiskZ", units = "1e10/h")]
    metallicity: f32,
}

fn main() {}
