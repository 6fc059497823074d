//! What the derive records of `units = "..."`: the facts parsed at compile time, in constants.

use galaxy_io::layout::Member;
use galaxy_io::units::Exponent;
use galaxy_io::{GalaxyRecord, Schema};

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    #[galaxy(name = "StellarMass", units = "1.0e10 Msun/h")]
    stellar_mass: f32,
    #[galaxy(split = ["Posx", "Posy", "Posz"], units = "Mpc/h", comoving)]
    pos: [f32; 3],
    #[galaxy(name = "dT", units = "Myr/h", units_text = "Myr")]
    dt: f32,
    #[galaxy(name = "Cooling", units = "log10(erg/s)", units_text = "erg/s")]
    cooling: f32,
    #[galaxy(name = "Type")]
    kind: i32,
}

// Evaluated by the compiler: the layout is a constant.
const MASS_H: i16 = match &Galaxy::MEMBERS[0] {
    Member::Field(layout) => layout.unit.h_exponent().numerator(),
    Member::Flatten { .. } => 0,
};
const _: () = assert!(MASS_H == -1);

fn main() {
    let schema = Schema::of::<Galaxy>().unwrap();
    let mass = schema.field("StellarMass").unwrap();
    let unit = mass.unit.as_ref().unwrap();
    assert_eq!(mass.units, "1.0e10 Msun/h");
    assert_eq!(unit.symbol(), "1e10*Msun");
    assert!((unit.cgs_factor() / 1.988409870698051e43 - 1.0).abs() < 1e-12);

    let posz = schema.field("Posz").unwrap().unit.as_ref().unwrap();
    assert_eq!(posz.a_exponent(), Exponent::integer(1));
    assert!(posz.is_comoving());

    let dt = schema.field("dT").unwrap();
    assert_eq!(dt.units, "Myr");
    assert_eq!(dt.unit.as_ref().unwrap().h_exponent(), Exponent::integer(-1));

    let cooling = schema.field("Cooling").unwrap().unit.clone().unwrap();
    assert!(cooling.is_log10());
    assert_eq!(cooling.symbol(), "erg/s");

    let kind = schema.field("Type").unwrap().unit.clone().unwrap();
    assert!(kind.dimensions().is_dimensionless());
    assert_eq!(kind.symbol(), "");
}
