//! Generates the `GalaxyRecord`, `Pod` and `Zeroable` impls and the compile-time layout checks,
//! all inside one `const _: () = { ... };` so nothing leaks into the user's namespace.

use crate::ast::{Field, Record};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::LitStr;

pub fn record(record: &Record) -> TokenStream {
    let ident = &record.input.ident;
    let krate = krate_path(record.attrs.krate.get());
    let private = quote!(#krate::__private);
    let members = record
        .written_fields()
        .flat_map(|field| members(record, field, &krate));
    let field_checks = record.fields.iter().map(|field| field_check(field, &krate));
    let padding_checks = padding_checks(record, &private);

    quote! {
        const _: () = {
            // SAFETY: every field is `Pod` (checked below) and the const assertions below prove
            // that there is no padding between or after the fields.
            #[automatically_derived]
            unsafe impl #private::bytemuck::Zeroable for #ident {}
            // Stated here, a missing `Copy` is two short errors at the struct, each suggesting
            // the derive, instead of a cascade through `Pod`'s and `GalaxyRecord`'s bounds.
            #[automatically_derived]
            unsafe impl #private::bytemuck::Pod for #ident where #ident: ::core::marker::Copy {}

            // Keeps every record out of the "other types implement GalaxyRecord" list of an
            // error about another type, a list that would change with every record.
            #[automatically_derived]
            #[diagnostic::do_not_recommend]
            impl #krate::GalaxyRecord for #ident where #ident: ::core::marker::Copy {
                const MEMBERS: &'static [#krate::layout::Member] = &[#(#members),*];
            }

            #(#field_checks)*
            #(#padding_checks)*
        };
    }
}

/// What the derive emits, beside its errors, for an input it refused: the same impls with no
/// members, so that code using the record compiles and the errors are all the user sees. The
/// program does not build either way, so nothing relies on them.
pub fn fallback(input: &syn::DeriveInput, krate: Option<&syn::Path>) -> TokenStream {
    if !input.generics.params.is_empty() || !matches!(input.data, syn::Data::Struct(_)) {
        return TokenStream::new();
    }
    let ident = &input.ident;
    let krate = krate_path(krate);
    let private = quote!(#krate::__private);
    quote! {
        const _: () = {
            #[automatically_derived]
            unsafe impl #private::bytemuck::Zeroable for #ident {}
            #[automatically_derived]
            unsafe impl #private::bytemuck::Pod for #ident {}
            #[automatically_derived]
            #[diagnostic::do_not_recommend]
            impl #krate::GalaxyRecord for #ident {
                const MEMBERS: &'static [#krate::layout::Member] = &[];
            }
        };
    }
}

fn krate_path(krate: Option<&syn::Path>) -> TokenStream {
    match krate {
        Some(path) => quote!(#path),
        None => quote!(::galaxy_io),
    }
}

fn members(record: &Record, field: &Field, krate: &TokenStream) -> Vec<TokenStream> {
    let ident = &record.input.ident;
    let name = &field.ident;
    let ty = field.ty;
    let offset = quote!(::core::mem::offset_of!(#ident, #name));
    let units = field
        .attrs
        .units_text
        .get()
        .or(field.attrs.units.get())
        .map(LitStr::value)
        .unwrap_or_default();
    let unit = unit(&field.unit, krate);
    let description = field
        .attrs
        .description
        .get()
        .map(LitStr::value)
        .or_else(|| field.doc.clone())
        .unwrap_or_default();

    if field.attrs.flatten.is_set() {
        let prefix = field.dataset_name();
        return vec![quote_spanned! {ty.span()=>
            #krate::layout::Member::Flatten {
                prefix: #prefix,
                offset: #offset,
                members: <#ty as #krate::__private::Flattened>::MEMBERS,
            }
        }];
    }
    if let Some(split) = field.attrs.split.get() {
        let component = quote!(<#ty as #krate::layout::SplitField>::Component);
        let descriptions = field.attrs.descriptions.get();
        return split
            .iter()
            .enumerate()
            .map(|(index, component_name)| {
                let description = descriptions
                    .and_then(|all| all.get(index))
                    .map_or_else(|| description.clone(), LitStr::value);
                quote_spanned! {component_name.span()=>
                    #krate::layout::Member::Field(#krate::layout::FieldLayout {
                        name: #component_name,
                        offset: #offset + #index * ::core::mem::size_of::<#component>(),
                        dtype: <#component as #krate::FieldType>::DTYPE,
                        shape: <#component as #krate::FieldType>::SHAPE,
                        units: #units,
                        unit: #unit,
                        description: #description,
                        key: false,
                    })
                }
            })
            .collect();
    }
    let dataset = field.dataset_name();
    let key = field.attrs.key.is_set();
    vec![quote_spanned! {ty.span()=>
        #krate::layout::Member::Field(#krate::layout::FieldLayout {
            name: #dataset,
            offset: #offset,
            dtype: <#ty as #krate::FieldType>::DTYPE,
            shape: <#ty as #krate::FieldType>::SHAPE,
            units: #units,
            unit: #unit,
            description: #description,
            key: #key,
        })
    }]
}

/// The unit parsed at compile time, as a constant: nothing is parsed at run time.
fn unit(unit: &galaxy_units::Unit, krate: &TokenStream) -> TokenStream {
    let units = quote!(#krate::units);
    let exponent = |e: galaxy_units::Exponent| {
        let (numerator, denominator) = (i32::from(e.numerator()), i32::from(e.denominator()));
        // Always `Some`: the parts come from an exponent in lowest terms.
        quote! {
            match #units::Exponent::ratio(#numerator, #denominator) {
                ::core::option::Option::Some(exponent) => exponent,
                ::core::option::Option::None => ::core::panic!("galaxy-io: invalid exponent"),
            }
        }
    };
    let d = unit.dimensions();
    let (mass, length, time, temperature) = (
        exponent(d.mass),
        exponent(d.length),
        exponent(d.time),
        exponent(d.temperature),
    );
    let (h, a) = (exponent(unit.h_exponent()), exponent(unit.a_exponent()));
    let cgs = unit.cgs_factor();
    let scale = match unit.scale() {
        galaxy_units::Scale::Linear => quote!(Linear),
        galaxy_units::Scale::Log10 => quote!(Log10),
        galaxy_units::Scale::Magnitude => quote!(Magnitude),
    };
    let symbol = unit.symbol();
    quote! {
        #units::Unit::__from_parts(
            #cgs,
            #units::Dimensions { mass: #mass, length: #length, time: #time, temperature: #temperature },
            #h,
            #a,
            #units::Scale::#scale,
            #symbol,
        )
    }
}

/// Every field must be `Pod` (also skipped ones: they are part of the byte view), and a split
/// field must have as many components as names, even when its length is a named constant.
fn field_check(field: &Field, krate: &TokenStream) -> TokenStream {
    let ty = field.ty;
    let private = quote!(#krate::__private);
    let pod = quote_spanned! {ty.span()=>
        const _: () = #private::assert_pod::<#ty>();
    };
    let split = field.attrs.split.get().zip(field.attrs.split.path()).map(|(names, path)| {
        let count = names.len();
        let message = format!(
            "galaxy-io: `split` on field `{}` gives {count} name(s), which does not match the array length",
            field.ident
        );
        quote_spanned! {path.span()=>
            const _: () = ::core::assert!(<#ty as #krate::layout::SplitField>::LEN == #count, #message);
        }
    });
    let key = field.attrs.key.is_set().then(|| {
        quote_spanned! {ty.span()=>
            const _: () = #private::assert_key::<#ty>();
        }
    });
    quote!(#pod #split #key)
}

/// One check per adjacent pair of fields (and one after the last): the bytes between the end of a
/// field and the start of the next must be zero. A violation is an error at the field before the
/// gap that names the number of bytes (`PaddingBytes<4>`) and says how to fill it.
fn padding_checks(record: &Record, private: &TokenStream) -> Vec<TokenStream> {
    let ident = &record.input.ident;
    let fields = &record.fields;
    fields
        .iter()
        .enumerate()
        .map(|(index, field)| {
            let name = field.ident;
            let ty = field.ty;
            let next = match fields.get(index + 1) {
                Some(next) => {
                    let next_name = next.ident;
                    quote!(::core::mem::offset_of!(#ident, #next_name))
                }
                None => quote!(::core::mem::size_of::<#ident>()),
            };
            let private = respan(private.clone(), name.span());
            let padding = format_ident!(
                "PADDING_BYTES_AFTER_{}",
                name.unraw().to_string().to_uppercase()
            );
            quote_spanned! {name.span()=>
                const _: () = {
                    const #padding: usize = #private::padding(
                        ::core::mem::offset_of!(#ident, #name),
                        ::core::mem::size_of::<#ty>(),
                        #next,
                    );
                    #private::assert_no_padding::<#private::PaddingBytes<#padding>>();
                };
            }
        })
        .collect()
}

/// The same tokens with every span set to `span`, so that a type error inside generated code is
/// reported at the user's field rather than at the derive.
fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = proc_macro2::TokenTree::Group(inner);
            }
            token.set_span(span);
            token
        })
        .collect()
}
