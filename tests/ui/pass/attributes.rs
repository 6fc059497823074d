//! Every attribute: name, units, description (and doc comments), skip, split (with one
//! description per component), flatten with and without a prefix, raw identifiers, and
//! `crate = "..."` through a re-export.
use galaxy_io::{GalaxyRecord, Schema};

mod reexport {
    pub use galaxy_io as io;
}

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Metals {
    #[galaxy(name = "ColdGas", units = "1e10 Msun/h")]
    cold_gas: f32,
    #[galaxy(name = "StellarMass")]
    stellar: f32,
}

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
#[galaxy(crate = "reexport::io")]
struct Galaxy {
    #[galaxy(split = ["Row0", "Row1"])]
    rows: [[f64; 2]; 2],
    /// Stellar mass of the galaxy.
    #[galaxy(name = "StellarMass", units = "1e10 Msun/h")]
    stellar_mass: f32,
    #[galaxy(description = "explicit wins", units = "km/s")]
    /// ignored doc
    vmax: f32,
    #[galaxy(skip)]
    scratch: u32,
    r#type: i32,
    /// Position.
    #[galaxy(
        split = ["Posx", "Posy", "Posz"],
        units = "Mpc/h",
        descriptions = ["x position.", "y position.", "z position."]
    )]
    pos: [f32; 3],
    #[galaxy(flatten, name = "Metals")]
    metals: Metals,
    #[galaxy(flatten, name = "")]
    plain: Metals2,
    #[galaxy(skip)]
    _tail: u32,
}

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Metals2 {
    #[galaxy(name = "HotGas")]
    hot_gas: f32,
    #[galaxy(skip)]
    _pad: f32,
}

fn main() {
    let schema = Schema::of::<Galaxy>().unwrap();
    let names: Vec<&str> = schema.fields().iter().map(|field| field.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Row0", "Row1", "StellarMass", "vmax", "type", "Posx", "Posy", "Posz",
            "MetalsColdGas", "MetalsStellarMass", "HotGas"
        ]
    );
    let stellar = schema.field("StellarMass").unwrap();
    assert_eq!(stellar.description, "Stellar mass of the galaxy.");
    assert_eq!(stellar.units, "1e10 Msun/h");
    assert_eq!(schema.field("vmax").unwrap().description, "explicit wins");
    assert_eq!(schema.field("Posz").unwrap().offset, std::mem::offset_of!(Galaxy, pos) + 8);
    assert_eq!(schema.field("Posz").unwrap().units, "Mpc/h");
    assert_eq!(schema.field("Posy").unwrap().description, "y position.");
    assert_eq!(schema.field("Row0").unwrap().description, "", "no description, no doc");
    assert_eq!(schema.field("Row1").unwrap().shape, [2]);
    assert_eq!(schema.field("Row1").unwrap().offset, std::mem::offset_of!(Galaxy, rows) + 16);
    assert_eq!(
        schema.field("MetalsStellarMass").unwrap().offset,
        std::mem::offset_of!(Galaxy, metals) + 4
    );
    assert_eq!(schema.field("HotGas").unwrap().offset, std::mem::offset_of!(Galaxy, plain));
    assert!(schema.field("scratch").is_none());
    let galaxy = Galaxy {
        stellar_mass: 1.0, vmax: 2.0, scratch: 0, r#type: 0, pos: [0.0; 3], rows: [[0.0; 2]; 2],
        metals: Metals { cold_gas: 0.0, stellar: 0.0 },
        plain: Metals2 { hot_gas: 0.0, _pad: 0.0 },
        _tail: 0,
    };
    assert_eq!(galaxy_io::__private::bytemuck::bytes_of(&galaxy).len(), schema.record_size());
}
