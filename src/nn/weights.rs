//! Weights files: safetensors with PyTorch `state_dict` names.
//!
//! Export writes the names of an `nn.Sequential` of `Linear` layers with activations
//! between them: layer l is `{2l}.weight` (shape [out, in]) and `{2l}.bias` ([out]), in
//! F32 or F64 per the run's scalar, with metadata `{"format": "pt", "layers": "2,16,16,1"}`.
//!
//! Import takes any file whose tensors are `<prefix>.weight` / `<prefix>.bias` pairs with
//! a numeric module index in the prefix (`0.weight`, `layers.0.weight`, `net.4.bias`,
//! `model.layers.1.bias`, `fc1.weight`), orders the pairs by that index numerically
//! (`10` after `8`), checks every shape against the config's `layers`, converts F32, F64,
//! F16 or BF16 to the run's scalar and returns theta in the flat order of
//! [`Layout`] (= `torch.nn.utils.parameters_to_vector(model.parameters())`).
//! A single bare `nn.Linear` (`weight`, `bias`) loads too.

use crate::error::{quote, Error, Result};
use crate::io::atomic::write_atomic;
use crate::io::read;
use crate::nn::layout::Layout;
use crate::scalar::Scalar;
use half::{bf16, f16};
use safetensors::tensor::{Dtype, SafeTensorError, TensorView};
use safetensors::SafeTensors;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Tensor field of errors about the file as a whole.
const WHOLE_FILE: &str = "-";

/// The bytes of a safetensors file holding `theta` with `nn.Sequential` names.
///
/// `theta.len()` must be `layout.n_params()` ([`Error::Invalid`] otherwise).
pub fn to_bytes<S: Scalar>(layout: &Layout, theta: &[S]) -> Result<Vec<u8>> {
    if theta.len() != layout.n_params() {
        return Err(Error::Invalid(format!(
            "weights: theta has {} values but layers {:?} need {}",
            theta.len(),
            layout.widths(),
            layout.n_params()
        )));
    }
    let dtype = if S::BYTES == 4 {
        Dtype::F32
    } else {
        Dtype::F64
    };
    let mut blobs = Vec::with_capacity(2 * layout.n_layers());
    for (l, span) in layout.layers().enumerate() {
        let w = S::to_le_bytes_vec(&theta[span.weight()]);
        let b = S::to_le_bytes_vec(&theta[span.bias()]);
        blobs.push((
            format!("{}.weight", 2 * l),
            vec![span.fan_out, span.fan_in],
            w,
        ));
        blobs.push((format!("{}.bias", 2 * l), vec![span.fan_out], b));
    }
    let views = blobs
        .iter()
        .map(|(name, shape, bytes)| {
            Ok((name.as_str(), TensorView::new(dtype, shape.clone(), bytes)?))
        })
        .collect::<std::result::Result<Vec<_>, SafeTensorError>>()
        .map_err(|e| Error::Invalid(format!("weights: {e}")))?;
    // One metadata entry only: the crate stores metadata in a HashMap, and a second
    // key would make the header's byte order (and the file) vary from run to run.
    let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
    safetensors::serialize(views, Some(metadata))
        .map_err(|e| Error::Invalid(format!("weights: {e}")))
}

/// Save `theta` to `path` as safetensors (atomic: temp file in the same folder + rename).
pub fn save<S: Scalar>(path: &Path, layout: &Layout, theta: &[S]) -> Result<()> {
    let bytes = to_bytes(layout, theta).map_err(|e| match e {
        Error::Invalid(m) => Error::Invalid(format!("{}: {m}", path.display())),
        e => e,
    })?;
    write_atomic(path, &bytes)
}

/// Load the weights in `path` as theta for `layout`, converted to `S`.
///
/// Errors: missing/unreadable file → [`Error::Io`]; anything wrong with the contents →
/// [`Error::Weights`] naming the tensor at fault (`-` for the whole file) and what the
/// config's `layers` expected.
///
/// A round trip through a file, and a file that does not fit the layout:
///
/// ```
/// use losscape::nn::{weights, Layout};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("net.safetensors");
/// let layout = Layout::new(&[2, 3, 1]);
/// let theta: Vec<f32> = (0..layout.n_params()).map(|i| i as f32 / 7.0).collect();
/// weights::save(&path, &layout, &theta)?;
/// assert_eq!(weights::widths(&path)?, [2, 3, 1]);
/// assert_eq!(weights::load::<f32>(&path, &layout)?, theta); // bit for bit
/// let wide: Vec<f64> = weights::load(&path, &layout)?; // converted to f64
/// assert_eq!(wide[1], (1.0f32 / 7.0) as f64);
///
/// // The file's first layer is 3 × 2; a config with 4 hidden units needs 4 × 2.
/// let err = weights::load::<f32>(&path, &Layout::new(&[2, 4, 1])).unwrap_err();
/// assert!(err.to_string().contains("tensor `0.weight`: shape [3, 2]"), "{err}");
/// # Ok::<(), losscape::Error>(())
/// ```
pub fn load<S: Scalar>(path: &Path, layout: &Layout) -> Result<Vec<S>> {
    let bytes = read_file(path)?;
    from_bytes(path, &bytes, layout)
}

/// [`load`] from the bytes of a file; `file` only names the file in errors.
pub fn from_bytes<S: Scalar>(file: &Path, bytes: &[u8], layout: &Layout) -> Result<Vec<S>> {
    let st = parse(file, bytes)?;
    let modules = modules(file, &st)?;
    let widths = layout.widths();
    if modules.len() != layout.n_layers() {
        return Err(Error::weights(
            file,
            WHOLE_FILE,
            format!(
                "the file holds {} Linear layer{} ({}) but the config's layers {:?} need {}",
                modules.len(),
                if modules.len() == 1 { "" } else { "s" },
                listing(&modules),
                widths,
                layout.n_layers()
            ),
        ));
    }
    let mut theta = vec![S::zero(); layout.n_params()];
    for (l, (span, m)) in layout.layers().zip(&modules).enumerate() {
        let place = format!("layer {} of {}", l + 1, layout.n_layers());
        for (t, want, range) in [
            (&m.weight, vec![span.fan_out, span.fan_in], span.weight()),
            (&m.bias, vec![span.fan_out], span.bias()),
        ] {
            if t.view.shape() != want.as_slice() {
                return Err(Error::weights(
                    file,
                    &t.name,
                    format!(
                        "shape {} but the config's layers {widths:?} need {want:?} ({place})",
                        shape_text(t.view.shape())
                    ),
                ));
            }
            convert(file, t, &mut theta[range])?;
        }
    }
    Ok(theta)
}

/// The layer widths `[in, hidden..., out]` the file's tensors describe, read without a
/// config (e.g. to suggest a `layers` value).
pub fn widths(path: &Path) -> Result<Vec<usize>> {
    widths_from_bytes(path, &read_file(path)?)
}

/// [`widths`] from the bytes of a file; `path` only names the file in errors.
pub fn widths_from_bytes(path: &Path, bytes: &[u8]) -> Result<Vec<usize>> {
    let st = parse(path, bytes)?;
    let modules = modules(path, &st)?;
    let mut widths = Vec::with_capacity(modules.len() + 1);
    for m in &modules {
        let (w, b) = (m.weight.view.shape(), m.bias.view.shape());
        if w.len() != 2 {
            return Err(Error::weights(
                path,
                &m.weight.name,
                format!("shape {} is not a matrix [out, in]", shape_text(w)),
            ));
        }
        if widths.is_empty() {
            widths.push(w[1]);
        } else if widths.last() != Some(&w[1]) {
            return Err(Error::weights(
                path,
                &m.weight.name,
                format!(
                    "shape {w:?} takes {} inputs but the layer before has {} outputs",
                    w[1],
                    widths.last().unwrap()
                ),
            ));
        }
        if b != [w[0]] {
            return Err(Error::weights(
                path,
                &m.bias.name,
                format!("shape {} but its weight needs [{}]", shape_text(b), w[0]),
            ));
        }
        widths.push(w[0]);
    }
    Ok(widths)
}

struct Tensor<'a> {
    name: String,
    view: TensorView<'a>,
}

/// One Linear layer of the file: `<prefix>.weight` and `<prefix>.bias`.
struct Module<'a> {
    weight: Tensor<'a>,
    bias: Tensor<'a>,
}

/// Longest JSON header read: 100 MB (the safetensors crate's own limit).
const MAX_HEADER: u64 = 100_000_000;

/// The bytes of the safetensors file `path`, read only as far as its header declares.
///
/// Only a regular file is opened. The 8-byte length and the JSON header (at most
/// [`MAX_HEADER`] bytes) are read first; a file longer than the data its tensors declare
/// is refused from its size, before the data is read; otherwise at most the declared
/// bytes are read and [`parse`] explains whatever is wrong with them.
fn read_file(path: &Path) -> Result<Vec<u8>> {
    let mut file = read::open_input(path)?;
    let len = read::input_len(path, &file)?;
    let mut bytes = read::read_up_to(&mut file, path, 8)?;
    if bytes.len() < 8 {
        return Ok(bytes);
    }
    let n = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
    if n > MAX_HEADER {
        return Ok(bytes);
    }
    bytes.extend(read::read_up_to(&mut file, path, n)?);
    if (bytes.len() as u64) < 8 + n {
        return Ok(bytes);
    }
    let Some(need) = data_len(&bytes[8..]) else {
        return Ok(bytes);
    };
    let have = len.saturating_sub(8 + n);
    if have > need as u64 {
        return Err(data_size_error(path, need as u64, have));
    }
    bytes.extend(read::read_up_to(&mut file, path, need as u64)?);
    Ok(bytes)
}

/// A file whose data section is not the `need` bytes its tensors declare.
fn data_size_error(file: &Path, need: u64, have: u64) -> Error {
    let what = if need > have { "truncated" } else { "damaged" };
    Error::weights(
        file,
        WHOLE_FILE,
        format!(
            "{what} safetensors file: its tensors need {need} data bytes but the file holds {have}"
        ),
    )
}

/// Parse the safetensors container, turning the library's terse errors into messages
/// that say what the file looks like.
fn parse<'a>(file: &Path, bytes: &'a [u8]) -> Result<SafeTensors<'a>> {
    let not_st =
        |msg: String| Error::weights(file, WHOLE_FILE, format!("not a safetensors file: {msg}"));
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(not_st(
            "this is a zip archive, probably a PyTorch `.pt`/`.pth` checkpoint; convert it with \
             `safetensors.torch.save_file(model.state_dict(), \"model.safetensors\")`"
                .into(),
        ));
    }
    if bytes.starts_with(b"\x93NUMPY") {
        return Err(not_st(
            "this is a numpy `.npy` array, not a weights file".into(),
        ));
    }
    if bytes.len() < 8 {
        return Err(not_st(format!(
            "it has {} bytes; a safetensors file starts with an 8-byte header length",
            bytes.len()
        )));
    }
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap());
    if n > MAX_HEADER || bytes.get(8).is_some_and(|&b| b != b'{') {
        return Err(not_st(
            "its first bytes are not a header length followed by a JSON header".into(),
        ));
    }
    let n = n as usize;
    if bytes.len() < 8 + n {
        return Err(Error::weights(
            file,
            WHOLE_FILE,
            format!(
                "truncated safetensors file: the header is {n} bytes but the file ends {} bytes into it",
                bytes.len() - 8
            ),
        ));
    }
    SafeTensors::deserialize(bytes).map_err(|e| match e {
        SafeTensorError::MetadataIncompleteBuffer => {
            let have = bytes.len() - 8 - n;
            match data_len(&bytes[8..8 + n]) {
                Some(need) => data_size_error(file, need as u64, have as u64),
                None => not_st(quote(&e.to_string())),
            }
        }
        e => not_st(quote(&e.to_string())),
    })
}

/// End of the data section the JSON header declares (largest `data_offsets` end).
fn data_len(header: &[u8]) -> Option<usize> {
    let v: serde_json::Value = serde_json::from_slice(header).ok()?;
    v.as_object()?
        .iter()
        .filter(|(k, _)| k.as_str() != "__metadata__")
        .map(|(_, t)| t.get("data_offsets")?.get(1)?.as_u64().map(|x| x as usize))
        .try_fold(0, |acc, end| Some(acc.max(end?)))
}

/// Split a module prefix into its non-numeric skeleton (`layers.#`) and its numbers.
fn index_of(prefix: &str) -> (String, Vec<u64>) {
    let mut skeleton = String::new();
    let mut numbers = Vec::new();
    let mut digits = String::new();
    for c in prefix.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            numbers.push(digits.parse().unwrap_or(u64::MAX));
            skeleton.push('#');
            digits.clear();
        }
        if c != '\0' {
            skeleton.push(c);
        }
    }
    (skeleton, numbers)
}

/// Group the tensors into weight/bias pairs ordered by their numeric module index.
fn modules<'a>(file: &Path, st: &SafeTensors<'a>) -> Result<Vec<Module<'a>>> {
    type Half<'a> = Option<Tensor<'a>>;
    let mut groups: BTreeMap<String, (Half<'a>, Half<'a>)> = BTreeMap::new();
    for (name, view) in st.iter() {
        let (prefix, is_weight) = if name == "weight" {
            ("", true)
        } else if name == "bias" {
            ("", false)
        } else if let Some(p) = name.strip_suffix(".weight") {
            (p, true)
        } else if let Some(p) = name.strip_suffix(".bias") {
            (p, false)
        } else {
            return Err(Error::weights(
                file,
                name,
                "unexpected tensor: an MLP of Linear layers has only `<module>.weight` and `<module>.bias` tensors",
            ));
        };
        let slot = groups.entry(prefix.to_string()).or_default();
        let t = Some(Tensor {
            name: name.to_string(),
            view,
        });
        if is_weight {
            slot.0 = t;
        } else {
            slot.1 = t;
        }
    }
    if groups.is_empty() {
        return Err(Error::weights(
            file,
            WHOLE_FILE,
            "the file holds no tensors",
        ));
    }

    let mut keyed = Vec::with_capacity(groups.len());
    for (prefix, (weight, bias)) in groups {
        let dot = if prefix.is_empty() { "" } else { "." };
        let weight = weight.ok_or_else(|| {
            Error::weights(
                file,
                format!("{prefix}{dot}weight"),
                format!(
                    "missing: the file has `{}{dot}bias` but no weight matrix for it",
                    quote(&prefix)
                ),
            )
        })?;
        let bias = bias.ok_or_else(|| {
            Error::weights(
                file,
                format!("{prefix}{dot}bias"),
                format!(
                    "missing: `{}` has no bias; every layer needs one (`nn.Linear(..., bias=False)` is not supported)",
                    quote(&weight.name)
                ),
            )
        })?;
        let (skeleton, numbers) = index_of(&prefix);
        keyed.push((skeleton, numbers, Module { weight, bias }));
    }
    if keyed.len() > 1 {
        let same_pattern = keyed
            .iter()
            .all(|(s, n, _)| !n.is_empty() && *s == keyed[0].0);
        keyed.sort_by(|a, b| a.1.cmp(&b.1));
        let distinct = keyed.windows(2).all(|w| w[0].1 != w[1].1);
        if !same_pattern || !distinct {
            let names: Vec<&str> = keyed
                .iter()
                .map(|(_, _, m)| m.weight.name.as_str())
                .collect();
            return Err(Error::weights(
                file,
                WHOLE_FILE,
                format!(
                    "cannot order the layers: the weights {} do not share one numbered naming pattern \
                     such as `0.weight, 2.weight` or `layers.0.weight, layers.1.weight`",
                    cut_list(names.iter().map(|n| format!("`{}`", quote(n))))
                ),
            ));
        }
    }
    Ok(keyed.into_iter().map(|(_, _, m)| m).collect())
}

/// `0.weight [3, 2] + 0.bias [3], 2.weight [1, 3] + 2.bias [1]` (names through
/// [`quote`], at most [`LISTED`] modules).
fn listing(modules: &[Module]) -> String {
    cut_list(modules.iter().map(|m| {
        format!(
            "`{}` {} + `{}` {}",
            quote(&m.weight.name),
            shape_text(m.weight.view.shape()),
            quote(&m.bias.name),
            shape_text(m.bias.view.shape())
        )
    }))
}

/// A tensor shape as `[3, 2]`, cut by [`quote`] when a file declares absurdly many
/// dimensions.
fn shape_text(shape: &[usize]) -> String {
    quote(&format!("{shape:?}"))
}

/// Most items a message lists.
const LISTED: usize = 10;

/// `items` joined by `, `, cut after [`LISTED`] with the total count.
fn cut_list(items: impl ExactSizeIterator<Item = String>) -> String {
    let total = items.len();
    let mut s = items.take(LISTED).collect::<Vec<_>>().join(", ");
    if total > LISTED {
        s.push_str(&format!(", ... ({total} in all)"));
    }
    s
}

/// Decode one tensor into `out` (same element count, checked by the caller's shape test).
fn convert<S: Scalar>(file: &Path, t: &Tensor, out: &mut [S]) -> Result<()> {
    let data = t.view.data();
    let values: Box<dyn Iterator<Item = f64>> = match t.view.dtype() {
        Dtype::F64 => Box::new(data.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap()))),
        Dtype::F32 => Box::new(data.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap()) as f64)),
        Dtype::F16 => Box::new(data.chunks_exact(2).map(|c| f16::from_le_bytes([c[0], c[1]]).to_f64())),
        Dtype::BF16 => Box::new(data.chunks_exact(2).map(|c| bf16::from_le_bytes([c[0], c[1]]).to_f64())),
        other => {
            return Err(Error::weights(
                file,
                &t.name,
                format!("dtype {other} is not supported: weights must be F32 or F64 (F16 and BF16 also load)"),
            ))
        }
    };
    let mut n = 0;
    for (i, (x, slot)) in values.zip(out.iter_mut()).enumerate() {
        let s = S::of(x);
        if !s.is_finite() {
            let what = if x.is_finite() {
                format!("{x:e} does not fit in {}", S::NAME)
            } else {
                format!("{x}")
            };
            return Err(Error::weights(
                file,
                &t.name,
                format!(
                    "element {} (flat index {i} in the tensor) is {what}",
                    position(t.view.shape(), i)
                ),
            ));
        }
        *slot = s;
        n += 1;
    }
    debug_assert_eq!(n, out.len());
    Ok(())
}

/// `[row, col]` of flat index `i` in a tensor of `shape` (C order).
fn position(shape: &[usize], mut i: usize) -> String {
    let mut idx = vec![0; shape.len()];
    for (k, &d) in shape.iter().enumerate().rev() {
        if d > 0 {
            idx[k] = i % d;
            i /= d;
        }
    }
    format!("{idx:?}")
}

#[cfg(test)]
mod tests;
