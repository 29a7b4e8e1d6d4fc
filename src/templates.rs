//! `losscape new KIND`: a commented template config for each experiment kind. Each
//! template runs as it is, from any folder: its data is synthetic or built into the
//! binary (`source = "digits"`, see `crate::bundled`). tests/cli.rs runs every one,
//! and tests/relocatable.rs runs every one from a copied binary in an empty folder.

pub const TEMPLATES: [(&str, &str); 12] = [
    ("train", include_str!("templates/train.toml")),
    ("evaluate", include_str!("templates/evaluate.toml")),
    ("slice", include_str!("templates/slice.toml")),
    ("hessian", include_str!("templates/hessian.toml")),
    ("saddles", include_str!("templates/saddles.toml")),
    ("batch_size", include_str!("templates/batch_size.toml")),
    ("width_sweep", include_str!("templates/width_sweep.toml")),
    ("xor", include_str!("templates/xor.toml")),
    ("sgd_noise", include_str!("templates/sgd_noise.toml")),
    ("escape", include_str!("templates/escape.toml")),
    ("connect", include_str!("templates/connect.toml")),
    ("optimizers", include_str!("templates/optimizers.toml")),
];

/// The template of `kind`, if there is one.
pub fn template(kind: &str) -> Option<&'static str> {
    TEMPLATES.iter().find(|(k, _)| *k == kind).map(|(_, t)| *t)
}
