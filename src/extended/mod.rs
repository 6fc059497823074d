//! Extended properties: galaxy properties that physics modules register at run time, written in
//! the same rows as the static record.
//!
//! A row is the static record's bytes followed by the extended values, each aligned to its
//! element size; [`PropertyRegistry::schema`] is that combined layout as one [`Schema`], so the
//! buffer and the write callback treat static and extended fields alike. Registration returns a
//! typed handle ([`Prop<T>`]), so setting a value is a byte copy at a known offset, with no name
//! lookup in the hot path.

mod output;

pub use output::ExtendedOutput;

use crate::dtype::FieldType;
use crate::error::{Error, Result};
use crate::layout::Member;
use crate::schema::{Field, GalaxyRecord, Schema};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

static NEXT_REGISTRY: AtomicU32 = AtomicU32::new(1);

/// The record of an output that has only run-time properties (no static part).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct NoRecord;

impl NoRecord {
    /// `count` rows of nothing, to write rows of run-time properties only.
    ///
    /// ```
    /// # use galaxy_io::extended::{ExtendedOutput, NoRecord, PropertyRegistry, PropertySpec};
    /// # let registry = PropertyRegistry::runtime();
    /// # let mass = registry.register::<f32>(PropertySpec::new("Mass", "", ""), 0.0)?;
    /// # let dir = tempfile::tempdir()?;
    /// # let mut output = ExtendedOutput::<NoRecord>::create(dir.path().join("a.hdf5"), &[1], Default::default(), &registry)?;
    /// output.write(1, &NoRecord::rows(3), |i, row| row.set(mass, i as f32))?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rows(count: usize) -> Vec<NoRecord> {
        vec![NoRecord; count]
    }
}

// SAFETY: a zero-sized type has no bytes, so no padding and no invalid bit patterns.
unsafe impl bytemuck::Zeroable for NoRecord {}
unsafe impl bytemuck::Pod for NoRecord {}
#[diagnostic::do_not_recommend]
impl GalaxyRecord for NoRecord {
    const MEMBERS: &'static [Member] = &[];
}

/// A typed handle to a registered property: where its bytes are in a row.
#[derive(Debug)]
pub struct Prop<T> {
    offset: usize,
    index: usize,
    registry: u32,
    value: PhantomData<fn(T) -> T>,
}

impl<T> Prop<T> {
    /// An error unless the handle was made by registry `id`.
    fn belongs_to(self, id: u32) -> Result<()> {
        if self.registry == id {
            return Ok(());
        }
        Err(Error::Property {
            name: format!("#{}", self.index),
            problem: "the handle belongs to another registry".into(),
        })
    }
}

impl<T> Clone for Prop<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Prop<T> {}

/// What a property is.
#[derive(Clone, Debug)]
pub struct PropertySpec {
    /// Dataset name; must not collide with any other field.
    pub name: String,
    /// `Units` attribute, parsed (as the derive's `units = "..."`) when the property is
    /// registered.
    pub units: String,
    /// Whether the units are comoving (the derive's `comoving`).
    pub comoving: bool,
    /// `Description` attribute.
    pub description: String,
}

impl PropertySpec {
    /// A property called `name`, with units and description.
    pub fn new(name: &str, units: &str, description: &str) -> Self {
        PropertySpec {
            name: name.to_owned(),
            units: units.to_owned(),
            comoving: false,
            description: description.to_owned(),
        }
    }

    /// The same property with comoving units.
    ///
    /// ```
    /// use galaxy_io::extended::{PropertyRegistry, PropertySpec};
    /// let registry = PropertyRegistry::runtime();
    /// registry.register::<f32>(PropertySpec::new("DiskCentre", "Mpc/h", "").comoving(), 0.0)?;
    /// let field = registry.schema()?.field("DiskCentre").cloned().unwrap();
    /// assert!(field.unit.unwrap().is_comoving());
    /// // A mass cannot be comoving; the error names the property.
    /// let error = registry.register::<f32>(PropertySpec::new("H2", "Msun", "").comoving(), 0.0);
    /// assert!(error.unwrap_err().to_string().contains("H2"));
    /// # Ok::<(), galaxy_io::Error>(())
    /// ```
    pub fn comoving(mut self) -> Self {
        self.comoving = true;
        self
    }
}

struct State {
    base: Schema,
    extra: Vec<Field>,
    /// The row's extended bytes as they are before any value is set: every fill value.
    fills: Vec<Vec<u8>>,
    frozen: Option<String>,
}

/// Where modules register their properties before output starts. Clones share one registry, so
/// each module can keep its own handle; once an output is created from it, it is frozen and
/// further registrations fail with a clear error.
///
/// ```
/// use galaxy_io::extended::{PropertyRegistry, PropertySpec};
/// use galaxy_io::sage::SageGalaxy;
///
/// let registry = PropertyRegistry::for_record::<SageGalaxy>()?;
/// let h2 = registry.register::<f32>(PropertySpec::new("H2Mass", "1.0e10 Msun/h", "Molecular gas"), 0.0)?;
/// let schema = registry.schema()?;
/// assert_eq!(schema.field("H2Mass").unwrap().offset, 232);
/// assert!(registry.register::<f32>(PropertySpec::new("StellarMass", "", ""), 0.0).is_err());
/// # let _ = h2;
/// # Ok::<(), galaxy_io::Error>(())
/// ```
#[derive(Clone)]
pub struct PropertyRegistry {
    id: u32,
    state: Arc<Mutex<State>>,
}

/// The registered properties by name, and whether an output has frozen the registry.
impl std::fmt::Debug for PropertyRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        let names: Vec<&str> = state
            .extra
            .iter()
            .map(|field| field.name.as_str())
            .collect();
        f.debug_struct("PropertyRegistry")
            .field("static_fields", &state.base.fields().len())
            .field("properties", &names)
            .field("frozen_by", &state.frozen)
            .finish()
    }
}

impl PropertyRegistry {
    /// A registry whose rows start with the static record `G`.
    pub fn for_record<G: GalaxyRecord>() -> Result<Self> {
        let base = if std::mem::size_of::<G>() == 0 {
            Schema::empty()
        } else {
            Schema::of::<G>()?
        };
        Ok(Self::with_base(base))
    }

    /// A registry with no static record: every field is registered at run time.
    pub fn runtime() -> Self {
        Self::with_base(Schema::empty())
    }

    fn with_base(base: Schema) -> Self {
        PropertyRegistry {
            id: NEXT_REGISTRY.fetch_add(1, Ordering::Relaxed),
            state: Arc::new(Mutex::new(State {
                base,
                extra: Vec::new(),
                fills: Vec::new(),
                frozen: None,
            })),
        }
    }

    /// Registers a property of type `T` (a number or an array of them) whose value is `fill`
    /// wherever it is not set.
    pub fn register<T: FieldType>(&self, spec: PropertySpec, fill: T) -> Result<Prop<T>> {
        let mut state = self.lock();
        let problem = |problem: String| Error::Property {
            name: spec.name.clone(),
            problem,
        };
        if let Some(output) = &state.frozen {
            return Err(problem(format!(
                "output to {output} has already started; register properties before creating the output"
            )));
        }
        if state.base.field(&spec.name).is_some() {
            return Err(problem("collides with a field of the static record".into()));
        }
        if state.extra.iter().any(|field| field.name == spec.name) {
            return Err(problem("is already registered".into()));
        }
        let unit = galaxy_units::declare(&spec.units, spec.comoving)
            .map_err(|error| problem(format!("invalid units: {error}")))?;
        let mut extra = state.extra.clone();
        extra.push(Field {
            name: spec.name.clone(),
            offset: 0,
            dtype: T::DTYPE,
            shape: T::SHAPE.dims().to_vec(),
            units: spec.units.clone(),
            unit: Some(unit),
            description: spec.description.clone(),
        });
        let schema = state
            .base
            .extended(extra.iter().cloned())
            .map_err(|error| match error {
                Error::Schema(why) => problem(why),
                other => other,
            })?;
        let index = extra.len() - 1;
        let offset = schema.fields()[state.base.fields().len() + index].offset;
        state.extra = extra;
        state.fills.push(bytemuck::bytes_of(&fill).to_vec());
        Ok(Prop {
            offset,
            index,
            registry: self.id,
            value: PhantomData,
        })
    }

    /// The combined layout: the static fields, then the registered ones.
    pub fn schema(&self) -> Result<Schema> {
        let state = self.lock();
        state.base.extended(state.extra.iter().cloned())
    }

    /// The dataset name of a property.
    pub fn name<T>(&self, prop: Prop<T>) -> Result<String> {
        self.check(prop)?;
        Ok(self.lock().extra[prop.index].name.clone())
    }

    /// Stops registration; `output` names what started, for the error message.
    pub(crate) fn freeze(&self, output: String) -> Result<(Schema, Vec<u8>)> {
        let schema = self.schema()?;
        let mut state = self.lock();
        state.frozen = Some(output);
        // The row every write starts from: zero static bytes, every property at its fill value.
        let mut template = vec![0u8; schema.record_size()];
        for (field, fill) in schema.fields()[state.base.fields().len()..]
            .iter()
            .zip(&state.fills)
        {
            template[field.offset..field.offset + fill.len()].copy_from_slice(fill);
        }
        Ok((schema, template))
    }

    fn check<T>(&self, prop: Prop<T>) -> Result<()> {
        prop.belongs_to(self.id)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while registering cannot leave the state half-written (every change is one
        // assignment after all checks), so a poisoned lock is still consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The extended values of one row, handed to the fill closure of [`ExtendedOutput::write`].
/// Values not set keep their fill value.
pub struct Row<'a> {
    bytes: &'a mut [u8],
    registry: u32,
}

impl std::fmt::Debug for Row<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Row")
            .field("extended_bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

impl Row<'_> {
    /// Sets a property of this row. Fails only for a handle of another registry.
    pub fn set<T: FieldType>(&mut self, prop: Prop<T>, value: T) -> Result<()> {
        prop.belongs_to(self.registry)?;
        let size = std::mem::size_of::<T>();
        self.bytes[prop.offset..prop.offset + size].copy_from_slice(bytemuck::bytes_of(&value));
        Ok(())
    }
}
