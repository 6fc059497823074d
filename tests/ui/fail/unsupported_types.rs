use galaxy_io::GalaxyRecord;

#[derive(GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    central: bool,
    code: char,
    count: usize,
    delta: isize,
    name: String,
    history: Vec<f32>,
    parent: Option<i64>,
    host: &'static f32,
    raw: *const f32,
    flags: [bool; 4],
}

fn main() {}
