//! Counting the strict local minima of a slice's grid, to see which minima a smoothing
//! removes ([`crate::landscape::smoothing`]).
//!
//! - 1-D (a line of n values): index i with 0 < i < n − 1 and `v[i−1] > v[i] < v[i+1]`.
//! - 2-D ((ny, nx) row-major): an interior point strictly below all 8 neighbours.
//!
//! Points on the border are not counted (the loss may keep falling outside the
//! window), nor points with a non-finite value among themselves and their neighbours
//! (a diverged cell tells nothing). Equal neighbours make no strict minimum, so a flat
//! stretch counts as none.

/// Strict interior local minima of one line.
pub fn minima_1d(v: &[f64]) -> usize {
    v.windows(3)
        .filter(|w| w.iter().all(|x| x.is_finite()) && w[1] < w[0] && w[1] < w[2])
        .count()
}

/// Strict interior local minima (8-neighbourhood) of an (ny, nx) row-major grid.
pub fn minima_2d(z: &[f64], nx: usize, ny: usize) -> usize {
    assert_eq!(
        z.len(),
        nx * ny,
        "minima_2d: {} values for {ny} × {nx}",
        z.len()
    );
    let mut n = 0;
    for j in 1..ny.saturating_sub(1) {
        for i in 1..nx.saturating_sub(1) {
            let c = z[j * nx + i];
            let below_all = c.is_finite()
                && (j - 1..=j + 1).all(|jj| {
                    (i - 1..=i + 1).all(|ii| {
                        let v = z[jj * nx + ii];
                        (jj == j && ii == i) || (v.is_finite() && c < v)
                    })
                });
            n += usize::from(below_all);
        }
    }
    n
}

/// The strict local minima of a slice's values: of the (ny, nx) grid when `two_d`, else
/// summed over its lines of `nx` values (one line, or one per repeated direction).
pub fn count(values: &[f64], nx: usize, two_d: bool) -> usize {
    match two_d {
        true => minima_2d(values, nx, values.len() / nx.max(1)),
        false => values.chunks(nx.max(1)).map(minima_1d).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_d_counts_strict_interior_minima_only() {
        // Minima at 1 and 4; the border (index 0 and 6) and the flat pair are not.
        let v = [0.0, -1.0, 2.0, 1.0, 0.5, 3.0, -5.0];
        assert_eq!(minima_1d(&v), 2);
        assert_eq!(minima_1d(&[3.0, 1.0, 1.0, 3.0]), 0);
        assert_eq!(minima_1d(&[1.0, 0.0, f64::NAN, 0.0, 1.0]), 0);
        assert_eq!(minima_1d(&[1.0, 0.0]), 0);
        // A parabola sampled on a grid: one.
        let p: Vec<f64> = (-5..=5).map(|i| (i as f64 - 0.3).powi(2)).collect();
        assert_eq!(minima_1d(&p), 1);
        // Lines of a repeated slice are summed.
        assert_eq!(count(&[2.0, 1.0, 2.0, 0.0, 1.0, 2.0], 3, false), 1);
    }

    #[test]
    fn two_d_needs_a_point_below_all_eight_neighbours() {
        #[rustfmt::skip]
        let z = [
            5.0, 5.0, 5.0, 5.0, 5.0,
            5.0, 1.0, 5.0, 2.0, 5.0,
            5.0, 5.0, 5.0, 5.0, 5.0,
            5.0, 5.0, 0.5, 0.5, 5.0,
            5.0, 5.0, 5.0, 5.0, 5.0,
        ];
        // (1, 1) and (1, 3) are minima; the equal pair on row 3 is not.
        assert_eq!(minima_2d(&z, 5, 5), 2);
        assert_eq!(count(&z, 5, true), 2);
        // A lower diagonal neighbour (the corner, on the border) removes (1, 1) only.
        let mut w = z;
        w[0] = 0.0;
        assert_eq!(minima_2d(&w, 5, 5), 1);
        // A non-finite neighbour removes (1, 3).
        w[4] = f64::NAN;
        assert_eq!(minima_2d(&w, 5, 5), 0);
        // A bowl: one.
        let bowl: Vec<f64> = (0..49)
            .map(|k| ((k % 7) as f64 - 3.2).powi(2) + ((k / 7) as f64 - 2.9).powi(2))
            .collect();
        assert_eq!(minima_2d(&bowl, 7, 7), 1);
    }
}
