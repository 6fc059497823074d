use galaxy_io::GalaxyRecord;

#[derive(Clone, Copy)]
#[repr(C)]
struct Metals {
    cold: f32,
}

// Plain old data, but not a GalaxyRecord.
unsafe impl galaxy_io::__private::bytemuck::Zeroable for Metals {}
unsafe impl galaxy_io::__private::bytemuck::Pod for Metals {}

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    #[galaxy(flatten)]
    metals: Metals,
}

fn main() {}
