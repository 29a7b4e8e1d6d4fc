//! Tests of weights files: safetensors round trips, PyTorch names, bad tensors.

use super::*;

fn file() -> &'static Path {
    Path::new("m.safetensors")
}

fn theta<S: Scalar>(layout: &Layout) -> Vec<S> {
    (0..layout.n_params())
        .map(|i| S::of((i as f64 * 0.37).sin() / 3.0))
        .collect()
}

/// A file with the given (name, dtype, shape, little-endian bytes) tensors.
fn raw(tensors: &[(&str, Dtype, Vec<usize>, Vec<u8>)]) -> Vec<u8> {
    let views: Vec<_> = tensors
        .iter()
        .map(|(n, d, s, b)| (n.to_string(), TensorView::new(*d, s.clone(), b).unwrap()))
        .collect();
    safetensors::serialize(views, None).unwrap()
}

fn f32s(xs: impl IntoIterator<Item = f32>) -> Vec<u8> {
    xs.into_iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn err(bytes: &[u8], layout: &Layout) -> String {
    let e = from_bytes::<f64>(file(), bytes, layout).unwrap_err();
    assert!(matches!(e, Error::Weights { .. }), "{e:?}");
    e.to_string()
}

#[test]
fn round_trip_is_bit_exact_and_named_like_nn_sequential() {
    let layout = Layout::new(&[2, 16, 16, 1]);
    let t64 = theta::<f64>(&layout);
    let bytes = to_bytes(&layout, &t64).unwrap();
    assert_eq!(from_bytes::<f64>(file(), &bytes, &layout).unwrap(), t64);
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let mut names = st.names();
    names.sort();
    assert_eq!(
        names,
        ["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"]
    );
    assert_eq!(st.tensor("2.weight").unwrap().shape(), [16, 16]);
    assert_eq!(st.tensor("4.weight").unwrap().dtype(), Dtype::F64);
    let (_, meta) = SafeTensors::read_metadata(&bytes).unwrap();
    let meta = meta.metadata().as_ref().unwrap();
    assert_eq!(meta["format"], "pt");
    assert_eq!(meta.len(), 1);
    // Byte-identical on every save (the header has no HashMap-ordered keys).
    assert_eq!(bytes, to_bytes(&layout, &theta::<f64>(&layout)).unwrap());

    let t32 = theta::<f32>(&layout);
    let bytes = to_bytes(&layout, &t32).unwrap();
    assert_eq!(
        SafeTensors::deserialize(&bytes)
            .unwrap()
            .tensor("0.bias")
            .unwrap()
            .dtype(),
        Dtype::F32
    );
    let back: Vec<f32> = from_bytes(file(), &bytes, &layout).unwrap();
    assert_eq!(
        back.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        t32.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
    // f32 file into an f64 run: exact widening.
    let wide: Vec<f64> = from_bytes(file(), &bytes, &layout).unwrap();
    assert_eq!(wide, t32.iter().map(|&x| x as f64).collect::<Vec<_>>());
}

#[test]
fn wrong_theta_length_is_invalid() {
    let e = to_bytes(&Layout::new(&[2, 3, 1]), &[0.0f32; 5]).unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e}");
}

#[test]
fn orders_by_numeric_index_and_reads_any_prefix() {
    let layout = Layout::new(&[1, 1, 1]);
    // `fc10` comes after `fc2` even though it sorts first as text.
    let bytes = raw(&[
        ("model.fc10.weight", Dtype::F32, vec![1, 1], f32s([3.0])),
        ("model.fc10.bias", Dtype::F32, vec![1], f32s([4.0])),
        ("model.fc2.weight", Dtype::F32, vec![1, 1], f32s([1.0])),
        ("model.fc2.bias", Dtype::F32, vec![1], f32s([2.0])),
    ]);
    assert_eq!(
        from_bytes::<f64>(file(), &bytes, &layout).unwrap(),
        [1.0, 2.0, 3.0, 4.0]
    );
    // A bare nn.Linear state_dict.
    let bytes = raw(&[
        ("weight", Dtype::F32, vec![1, 2], f32s([1.0, 2.0])),
        ("bias", Dtype::F32, vec![1], f32s([3.0])),
    ]);
    assert_eq!(
        from_bytes::<f32>(file(), &bytes, &Layout::new(&[2, 1])).unwrap(),
        [1.0, 2.0, 3.0]
    );
}

#[test]
fn half_precision_tensors_load() {
    let layout = Layout::new(&[2, 1]);
    let h = |xs: &[u16]| xs.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let bytes = raw(&[
        ("0.weight", Dtype::F16, vec![1, 2], h(&[0x3c00, 0x3800])),
        ("0.bias", Dtype::BF16, vec![1], h(&[0xc040])),
    ]);
    assert_eq!(
        from_bytes::<f64>(file(), &bytes, &layout).unwrap(),
        [1.0, 0.5, -3.0]
    );
}

#[test]
fn other_dtypes_and_non_finite_values_are_named() {
    let layout = Layout::new(&[2, 1]);
    let bytes = raw(&[
        ("0.weight", Dtype::I64, vec![1, 2], vec![0; 16]),
        ("0.bias", Dtype::F32, vec![1], f32s([0.0])),
    ]);
    let m = err(&bytes, &layout);
    assert!(
        m.contains("tensor `0.weight`: dtype I64 is not supported"),
        "{m}"
    );

    let bytes = raw(&[
        ("0.weight", Dtype::F32, vec![1, 2], f32s([0.0, f32::NAN])),
        ("0.bias", Dtype::F32, vec![1], f32s([0.0])),
    ]);
    let m = err(&bytes, &layout);
    assert!(
        m.contains("tensor `0.weight`: element [0, 1]") && m.contains("NaN"),
        "{m}"
    );

    let big: Vec<u8> = [1e300f64, 0.0, 0.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let bytes = raw(&[
        ("0.weight", Dtype::F64, vec![1, 2], big[..16].to_vec()),
        ("0.bias", Dtype::F64, vec![1], big[16..].to_vec()),
    ]);
    let e = from_bytes::<f32>(file(), &bytes, &layout)
        .unwrap_err()
        .to_string();
    assert!(e.contains("1e300 does not fit in f32"), "{e}");
}

#[test]
fn unexpected_or_unorderable_names_are_errors() {
    let layout = Layout::new(&[1, 1, 1]);
    let one = |n: &str| (n.to_string(), f32s([1.0]));
    let mk = |names: &[(String, Vec<u8>)]| {
        let t: Vec<_> = names
            .iter()
            .map(|(n, b)| {
                let shape = if n.ends_with("weight") {
                    vec![1, 1]
                } else {
                    vec![1]
                };
                (n.as_str(), Dtype::F32, shape, b.clone())
            })
            .collect();
        raw(&t)
    };
    let m = err(
        &mk(&[one("0.weight"), one("0.bias"), one("bn.running_mean")]),
        &layout,
    );
    assert!(
        m.contains("tensor `bn.running_mean`: unexpected tensor"),
        "{m}"
    );
    let m = err(
        &mk(&[
            one("fc1.weight"),
            one("fc1.bias"),
            one("out.weight"),
            one("out.bias"),
        ]),
        &layout,
    );
    assert!(
        m.contains("cannot order the layers") && m.contains("`out.weight`"),
        "{m}"
    );
    let m = err(
        &mk(&[
            one("enc.0.weight"),
            one("enc.0.bias"),
            one("dec.0.weight"),
            one("dec.0.bias"),
        ]),
        &layout,
    );
    assert!(m.contains("cannot order the layers"), "{m}");
    let m = err(&mk(&[one("2.bias")]), &Layout::new(&[1, 1]));
    assert!(m.contains("tensor `2.weight`: missing"), "{m}");
}

#[test]
fn index_splits_skeleton_and_numbers() {
    assert_eq!(
        index_of("model.layers.12"),
        ("model.layers.#".to_string(), vec![12])
    );
    assert_eq!(index_of("fc2"), ("fc#".to_string(), vec![2]));
    assert_eq!(
        index_of("blocks.3.lin.1"),
        ("blocks.#.lin.#".to_string(), vec![3, 1])
    );
    assert_eq!(index_of(""), (String::new(), vec![]));
}

#[test]
fn not_safetensors_messages() {
    let layout = Layout::new(&[1, 1]);
    for (bytes, want) in [
        (&b""[..], "not a safetensors file: it has 0 bytes"),
        (b"PK\x03\x04rest of a torch checkpoint", "PyTorch"),
        (b"\x93NUMPY\x01\x00v\x00{'descr'", "numpy `.npy` array"),
        (
            b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\": 1}        ",
            "not a safetensors file",
        ),
    ] {
        let m = err(bytes, &layout);
        assert!(
            m.starts_with("m.safetensors: tensor `-`: ") && m.contains(want),
            "{m}"
        );
    }
}
