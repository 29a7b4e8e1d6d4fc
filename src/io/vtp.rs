//! A loss surface as a VTK XML PolyData file (`.vtp`) for ParaView, like the `h52vtp`
//! script of tomgoldstein/loss-landscape (Li et al. 2018).
//!
//! The grid `z[j * nx + i]` at `(x[i], y[j])` becomes a triangulated surface:
//! - one point `(x[i], y[j], z[j * nx + i])` per finite cell (NaN and infinite values,
//!   e.g. diverged evaluations, are left out, and so is any cell beyond the end of `z`);
//! - two triangles per grid square whose four corners are points, counter-clockwise
//!   seen from +z: `(i, j) (i+1, j) (i+1, j+1)` and `(i, j) (i+1, j+1) (i, j+1)`;
//! - one point-data array per named scalar field (e.g. `train_loss`, `train_accuracy`),
//!   sampled at the points; the first is the active scalar ParaView colours by.
//!
//! The file is ASCII. Numbers are written so that they parse back to the same `f64`; a
//! scalar that is not finite at a point (or missing, when its slice is short) is written
//! as `nan`, which VTK reads as NaN and ParaView draws in its NaN colour (checked with
//! VTK 9.7's `vtkXMLPolyDataReader`, which reads `-inf` as +inf, hence no infinities).

use std::fmt::Write;

/// The VTK XML PolyData text of the surface `z` over the grid `x` × `y`, with point data
/// `scalars` (each laid out like `z`). See the module docs.
pub fn surface_vtp(x: &[f64], y: &[f64], z: &[f64], scalars: &[(&str, &[f64])]) -> String {
    let (nx, ny) = (x.len(), y.len());
    // Point index of every grid cell that becomes a point.
    let mut index = vec![usize::MAX; nx * ny];
    let mut cells = Vec::new();
    for (j, yj) in y.iter().enumerate() {
        for (i, xi) in x.iter().enumerate() {
            let k = j * nx + i;
            let v = z.get(k).copied().unwrap_or(f64::NAN);
            if v.is_finite() && xi.is_finite() && yj.is_finite() {
                index[k] = cells.len();
                cells.push((i, j, k));
            }
        }
    }
    let mut triangles: Vec<[usize; 3]> = Vec::new();
    for j in 0..ny.saturating_sub(1) {
        for i in 0..nx.saturating_sub(1) {
            let p = |a: usize, b: usize| index[b * nx + a];
            let (p00, p10, p11, p01) = (p(i, j), p(i + 1, j), p(i + 1, j + 1), p(i, j + 1));
            if [p00, p10, p11, p01].contains(&usize::MAX) {
                continue;
            }
            triangles.push([p00, p10, p11]);
            triangles.push([p00, p11, p01]);
        }
    }

    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\"?>\n");
    out.push_str("<VTKFile type=\"PolyData\" version=\"0.1\" byte_order=\"LittleEndian\">\n");
    out.push_str("  <PolyData>\n");
    let _ = writeln!(
        out,
        "    <Piece NumberOfPoints=\"{}\" NumberOfVerts=\"0\" NumberOfLines=\"0\" \
         NumberOfStrips=\"0\" NumberOfPolys=\"{}\">",
        cells.len(),
        triangles.len()
    );
    match scalars.first() {
        Some((name, _)) => {
            let _ = writeln!(out, "      <PointData Scalars=\"{}\">", escape(name));
        }
        None => out.push_str("      <PointData>\n"),
    }
    for (name, values) in scalars {
        let _ = writeln!(
            out,
            "        <DataArray type=\"Float64\" Name=\"{}\" NumberOfComponents=\"1\" \
             format=\"ascii\">",
            escape(name)
        );
        write_rows(
            &mut out,
            cells
                .iter()
                .map(|&(_, _, k)| values.get(k).copied().unwrap_or(f64::NAN)),
            6,
        );
        out.push_str("        </DataArray>\n");
    }
    out.push_str("      </PointData>\n");
    out.push_str("      <Points>\n");
    out.push_str(
        "        <DataArray type=\"Float64\" Name=\"Points\" NumberOfComponents=\"3\" \
         format=\"ascii\">\n",
    );
    write_rows(
        &mut out,
        cells.iter().flat_map(|&(i, j, k)| [x[i], y[j], z[k]]),
        6,
    );
    out.push_str("        </DataArray>\n");
    out.push_str("      </Points>\n");
    out.push_str("      <Polys>\n");
    out.push_str("        <DataArray type=\"Int64\" Name=\"connectivity\" format=\"ascii\">\n");
    write_ints(&mut out, triangles.iter().flatten().copied(), 12);
    out.push_str("        </DataArray>\n");
    out.push_str("        <DataArray type=\"Int64\" Name=\"offsets\" format=\"ascii\">\n");
    write_ints(&mut out, (1..=triangles.len()).map(|t| 3 * t), 12);
    out.push_str("        </DataArray>\n");
    out.push_str("      </Polys>\n");
    out.push_str("    </Piece>\n");
    out.push_str("  </PolyData>\n");
    out.push_str("</VTKFile>\n");
    out
}

/// An `f64` that parses back to itself: plain decimals for ordinary magnitudes, the
/// shortest exponent form otherwise; `nan` for anything not finite.
fn fmt_f64(v: f64) -> String {
    if !v.is_finite() {
        "nan".into()
    } else if v == 0.0 || (1e-4..1e15).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

fn write_rows(out: &mut String, values: impl Iterator<Item = f64>, per_line: usize) {
    for (k, v) in values.enumerate() {
        out.push_str(if k % per_line == 0 { "          " } else { " " });
        out.push_str(&fmt_f64(v));
        if k % per_line == per_line - 1 {
            out.push('\n');
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
}

fn write_ints(out: &mut String, values: impl Iterator<Item = usize>, per_line: usize) {
    for (k, v) in values.enumerate() {
        out.push_str(if k % per_line == 0 { "          " } else { " " });
        let _ = write!(out, "{v}");
        if k % per_line == per_line - 1 {
            out.push('\n');
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
}

/// XML attribute escaping.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of attribute `name` in the first element that has it.
    fn attr(text: &str, name: &str) -> usize {
        let key = format!(" {name}=\"");
        let start = text.find(&key).expect(name) + key.len();
        let end = start + text[start..].find('"').unwrap();
        text[start..end].parse().unwrap()
    }

    /// The numbers inside the `<DataArray ... Name="name" ...>` element.
    fn array(text: &str, name: &str) -> Vec<f64> {
        let key = format!("Name=\"{name}\"");
        let at = text.find(&key).expect(name);
        let open = at + text[at..].find('>').unwrap() + 1;
        let close = open + text[open..].find("</DataArray>").unwrap();
        text[open..close]
            .split_whitespace()
            .map(|t| t.parse().unwrap())
            .collect()
    }

    #[test]
    fn three_by_three_with_one_nan() {
        let x = [0.0, 0.5, 1.0];
        let y = [-1.0, 0.0, 1.0];
        // The NaN is the corner cell (2, 2): only the upper-right square loses its
        // triangles.
        let z = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, f64::NAN];
        let acc = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
        let text = surface_vtp(&x, &y, &z, &[("train_loss", &z), ("train_accuracy", &acc)]);
        assert!(text.starts_with("<?xml version=\"1.0\"?>\n<VTKFile type=\"PolyData\" version=\"0.1\" byte_order=\"LittleEndian\">"));
        assert_eq!(attr(&text, "NumberOfPoints"), 8);
        assert_eq!(attr(&text, "NumberOfPolys"), 6);
        let pts = array(&text, "Points");
        assert_eq!(pts.len(), 24);
        assert_eq!(&pts[..6], &[0.0, -1.0, 1.0, 0.5, -1.0, 2.0]);
        assert_eq!(&pts[21..], &[0.5, 1.0, 8.0]);
        assert_eq!(
            array(&text, "train_loss"),
            [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
        );
        assert_eq!(array(&text, "train_accuracy"), acc[..8].to_vec());
        let conn = array(&text, "connectivity");
        assert_eq!(conn.len(), 18);
        assert!(conn.iter().all(|&k| (0.0..8.0).contains(&k)));
        // The first square (0, 0): points 0, 1, 4 and 0, 4, 3.
        assert_eq!(&conn[..6], &[0.0, 1.0, 4.0, 0.0, 4.0, 3.0]);
        assert_eq!(array(&text, "offsets"), [3.0, 6.0, 9.0, 12.0, 15.0, 18.0]);
        assert!(text.contains("<PointData Scalars=\"train_loss\">"));
        assert!(text.trim_end().ends_with("</VTKFile>"));
    }

    #[test]
    fn numbers_round_trip_and_odd_inputs_are_safe() {
        for v in [0.1, 1e-7, 123456.789, 1e300, -2.5e-12, 0.0, 1.0 / 3.0] {
            assert_eq!(fmt_f64(v).parse::<f64>().unwrap(), v);
        }
        // Short z: missing cells are masked; no scalars; names escaped; empty grid.
        let text = surface_vtp(&[0.0, 1.0], &[0.0, 1.0], &[1.0, 2.0, 3.0], &[]);
        assert_eq!(attr(&text, "NumberOfPoints"), 3);
        assert_eq!(attr(&text, "NumberOfPolys"), 0);
        let text = surface_vtp(&[0.0, 1.0], &[0.0, 1.0], &[1.0; 4], &[("a<\"b\">", &[0.5])]);
        assert!(text.contains("Name=\"a&lt;&quot;b&quot;&gt;\""));
        assert_eq!(attr(&text, "NumberOfPolys"), 2);
        let text = surface_vtp(&[], &[], &[], &[]);
        assert_eq!(attr(&text, "NumberOfPoints"), 0);
        let text = surface_vtp(&[0.0, f64::NAN], &[0.0, 1.0], &[1.0; 4], &[]);
        assert_eq!(attr(&text, "NumberOfPoints"), 2);
        // Non-finite scalars are NaN.
        let s = [f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 1.0];
        let text = surface_vtp(&[0.0, 1.0], &[0.0, 1.0], &[1.0; 4], &[("s", &s)]);
        let v = array(&text, "s");
        assert!(v[..3].iter().all(|v| v.is_nan()) && v[3] == 1.0, "{v:?}");
    }
}
