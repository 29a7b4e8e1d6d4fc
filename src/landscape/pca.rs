//! The top two principal directions of an optimisation path (Li et al. 2018, §7, and
//! loss-landscape's `projection.setup_PCA_directions`): the plane a slice of kind
//! `slice` with `directions = "pca"` spans, and the path projected into it.
//!
//! The snapshots θ_i (n of them, P parameters each) are centred column-wise as sklearn's
//! `PCA(n_components=2)` does; the two directions come from the n × n Gram matrix when
//! n ≤ P, else from the P × P covariance, both summed block by block in a fixed order.

use crate::error::{Error, Result};
use crate::landscape::directions::orthogonalize;
use crate::linalg::{dot, norm};
use crate::nn::matmul;
use nalgebra::{DMatrix, SymmetricEigen};

/// The top two principal directions of an optimisation path (see [`pca_directions`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Pca {
    /// First principal direction, unit norm.
    pub dir_x: Vec<f64>,
    /// Second principal direction, unit norm, orthogonal to `dir_x`.
    pub dir_y: Vec<f64>,
    /// Share of the path's (centred) variance along `dir_x` and `dir_y`:
    /// λ_k / Σ_j λ_j (sklearn's `explained_variance_ratio_[:2]`).
    pub explained_variance_ratio: [f64; 2],
    /// Each snapshot's (θ_i − θ_final) projected on the unit directions:
    /// ((θ_i − θ_f)ᵀ dir_x, (θ_i − θ_f)ᵀ dir_y), not centred (loss-landscape's
    /// `project_trajectory(..., proj_method='cos')`). The final model sits at (0, 0).
    pub coords: Vec<(f64, f64)>,
    /// How much of the path the plane misses: √(Σ_i ‖r_i‖²) / √(Σ_i ‖θ_i − θ_f‖²) with
    /// r_i = (θ_i − θ_f) − x_i dir_x − y_i dir_y. 0 for a path inside the plane.
    pub projection_error: f64,
}

/// λ_2 / λ_1 at or below which the path counts as one-dimensional (σ_2/σ_1 ≤ 1e-5).
const RANK_TOL: f64 = 1e-10;
/// Inner dimension of one block of the Gram/covariance accumulation.
const BLOCK: usize = 1 << 16;

/// PCA of an optimisation path, as loss-landscape's `plot_trajectory.py` /
/// `projection.setup_PCA_directions` (Li et al. 2018, §7).
///
/// The data matrix M (n × P) has rows m_i = θ_i − θ_final for the n `snapshots`
/// (loss-landscape includes the final model itself, epochs `start..=max`, giving a zero
/// row; pass it too to match). As `sklearn.decomposition.PCA(n_components=2).fit(M)`:
/// the columns are centred, M_c = M − 1 m̄ᵀ (so M_c's rows are θ_i − θ̄, independent of
/// θ_final); `dir_x`, `dir_y` are the top two right singular vectors of M_c, with
/// sklearn's (≥ 1.5) sign rule: the entry of largest magnitude of each is positive;
/// the explained variance ratios are σ_k² / Σ_j σ_j².
///
/// Computation: for n ≤ P, through the n × n Gram matrix G = M_c M_cᵀ (eigenpairs
/// (λ_k, v_k) by nalgebra's `SymmetricEigen`, direction = M_cᵀ v_k normalised), in
/// O(n² P) time and O(n² + P) memory beyond the snapshots; for P < n, through the P × P
/// covariance M_cᵀ M_c instead. Blocks are summed in a fixed order, single-threaded:
/// the result does not depend on the thread count.
///
/// The coordinates and the projection error use the uncentred rows m_i (see [`Pca`]).
///
/// Errors ([`Error::Invalid`]): fewer than 3 snapshots, a snapshot whose length is not
/// `final_theta.len()`, a non-finite value, or a path of rank < 2 after centring
/// (λ_2 ≤ 1e-10 λ_1: all snapshots on one line, or all equal).
pub fn pca_directions(snapshots: &[&[f64]], final_theta: &[f64]) -> Result<Pca> {
    let n = snapshots.len();
    let p = final_theta.len();
    if n < 3 {
        return Err(Error::Invalid(format!(
            "PCA directions need at least 3 snapshots of the optimisation path, got {n} \
             (record more often: lower `record_every` or `snapshot_every`)"
        )));
    }
    if let Some((i, s)) = snapshots.iter().enumerate().find(|(_, s)| s.len() != p) {
        return Err(Error::Invalid(format!(
            "PCA directions: snapshot {i} has {} values but the final weights have {p}",
            s.len()
        )));
    }
    if let Some(k) = final_theta.iter().position(|x| !x.is_finite()) {
        return Err(Error::Invalid(format!(
            "PCA directions: the final weights' entry {k} is {}",
            final_theta[k]
        )));
    }
    for (i, s) in snapshots.iter().enumerate() {
        if let Some(k) = s.iter().position(|x| !x.is_finite()) {
            return Err(Error::Invalid(format!(
                "PCA directions: snapshot {i} has entry {k} = {} (did training diverge?)",
                s[k]
            )));
        }
    }

    let ([l1, l2], total, [mut dx, mut dy]) = if n <= p {
        pca_by_gram(snapshots, final_theta)
    } else {
        pca_by_covariance(snapshots, final_theta)
    };
    if l1 <= 0.0 || total <= 0.0 {
        return Err(Error::Invalid(
            "PCA directions: the optimisation path does not move (all snapshots are equal), \
             so it spans no plane"
                .into(),
        ));
    }
    if l2 <= RANK_TOL * l1 {
        return Err(Error::Invalid(format!(
            "PCA directions: the optimisation path is (numerically) one-dimensional: the second \
             principal variance is {:.3e} of the first, so there is no second direction; \
             use a random or model direction for y",
            (l2 / l1).max(0.0)
        )));
    }

    // Unit norm, sklearn's sign rule, and exact orthogonality.
    normalize_unit(&mut dx);
    flip_sign(&mut dx);
    orthogonalize(&mut dy, &dx);
    normalize_unit(&mut dy);
    flip_sign(&mut dy);

    let mut coords = Vec::with_capacity(n);
    let (mut res2, mut tot2) = (0.0, 0.0);
    let mut m = vec![0.0; p];
    for s in snapshots {
        m.iter_mut()
            .zip(s.iter().zip(final_theta))
            .for_each(|(mk, (&sk, &fk))| *mk = sk - fk);
        let (x, y) = (dot(&m, &dx), dot(&m, &dy));
        coords.push((x, y));
        tot2 += dot(&m, &m);
        res2 += m
            .iter()
            .zip(dx.iter().zip(&dy))
            .map(|(&mk, (&a, &b))| {
                let r = mk - x * a - y * b;
                r * r
            })
            .sum::<f64>();
    }
    let projection_error = if tot2 > 0.0 {
        (res2 / tot2).sqrt()
    } else {
        0.0
    };
    Ok(Pca {
        dir_x: dx,
        dir_y: dy,
        explained_variance_ratio: [l1 / total, l2 / total],
        coords,
        projection_error,
    })
}

/// ([λ_1, λ_2], Σλ, [two directions, not yet normalised]) through G = M_c M_cᵀ (n × n).
fn pca_by_gram(snapshots: &[&[f64]], f: &[f64]) -> ([f64; 2], f64, [Vec<f64>; 2]) {
    let (n, p) = (snapshots.len(), f.len());
    let width = (BLOCK / n).max(64).min(p);
    let mut c = vec![0.0; n * width];
    let mut g = vec![0.0; n * n];
    let mut k0 = 0;
    while k0 < p {
        let b = width.min(p - k0);
        centred_block(snapshots, f, k0, b, &mut c);
        matmul::mm_nt(
            n,
            n,
            b,
            &c[..n * b],
            &c[..n * b],
            &mut g,
            true,
            matmul::Split::Whole,
        );
        k0 += b;
    }
    let (lambda, total, v) = top_two(DMatrix::from_row_slice(n, n, &g));
    // direction_k = M_cᵀ v_k, block by block (the centred rows are rebuilt, not stored).
    let mut dirs = [vec![0.0; p], vec![0.0; p]];
    let mut k0 = 0;
    while k0 < p {
        let b = width.min(p - k0);
        centred_block(snapshots, f, k0, b, &mut c);
        for (dir, vk) in dirs.iter_mut().zip(&v) {
            let out = &mut dir[k0..k0 + b];
            for (i, &w) in vk.iter().enumerate() {
                out.iter_mut()
                    .zip(&c[i * b..(i + 1) * b])
                    .for_each(|(o, &x)| *o += w * x);
            }
        }
        k0 += b;
    }
    (lambda, total, dirs)
}

/// Columns k0..k0+b of M_c into `c` as an n × b row-major block: (θ_i − θ_f) − mean_i.
fn centred_block(snapshots: &[&[f64]], f: &[f64], k0: usize, b: usize, c: &mut [f64]) {
    let n = snapshots.len();
    let fk = &f[k0..k0 + b];
    for (i, s) in snapshots.iter().enumerate() {
        c[i * b..(i + 1) * b]
            .iter_mut()
            .zip(s[k0..k0 + b].iter().zip(fk))
            .for_each(|(o, (&x, &y))| *o = x - y);
    }
    let mut mean = vec![0.0; b];
    for i in 0..n {
        mean.iter_mut()
            .zip(&c[i * b..(i + 1) * b])
            .for_each(|(m, &x)| *m += x);
    }
    let inv = 1.0 / n as f64;
    mean.iter_mut().for_each(|m| *m *= inv);
    for i in 0..n {
        c[i * b..(i + 1) * b]
            .iter_mut()
            .zip(&mean)
            .for_each(|(x, &m)| *x -= m);
    }
}

/// The same through the covariance M_cᵀ M_c (P × P), for paths with more snapshots than
/// parameters.
fn pca_by_covariance(snapshots: &[&[f64]], f: &[f64]) -> ([f64; 2], f64, [Vec<f64>; 2]) {
    let (n, p) = (snapshots.len(), f.len());
    let mut mean = vec![0.0; p];
    for s in snapshots {
        mean.iter_mut()
            .zip(s.iter().zip(f))
            .for_each(|(m, (&x, &y))| *m += x - y);
    }
    let inv = 1.0 / n as f64;
    mean.iter_mut().for_each(|m| *m *= inv);
    let rows = (BLOCK / p).max(64).min(n);
    let mut c = vec![0.0; rows * p];
    let mut cov = vec![0.0; p * p];
    for group in snapshots.chunks(rows) {
        for (i, s) in group.iter().enumerate() {
            c[i * p..(i + 1) * p]
                .iter_mut()
                .zip(s.iter().zip(f).zip(&mean))
                .for_each(|(o, ((&x, &y), &m))| *o = (x - y) - m);
        }
        let b = group.len();
        matmul::mm_tn(
            p,
            p,
            b,
            &c[..b * p],
            &c[..b * p],
            &mut cov,
            true,
            matmul::Split::Whole,
        );
    }
    let (lambda, total, [v1, v2]) = top_two(DMatrix::from_row_slice(p, p, &cov));
    (lambda, total, [v1, v2])
}

/// The two largest eigenvalues (clamped at 0), the trace, and their eigenvectors.
fn top_two(mut a: DMatrix<f64>) -> ([f64; 2], f64, [Vec<f64>; 2]) {
    // The product is symmetric up to rounding in the kernel; make it exactly so.
    let at = a.transpose();
    a += at;
    a *= 0.5;
    let total = a.trace();
    let eig = SymmetricEigen::new(a);
    let mut order: Vec<usize> = (0..eig.eigenvalues.len()).collect();
    order.sort_by(|&i, &j| eig.eigenvalues[j].total_cmp(&eig.eigenvalues[i]));
    let lambda = |r: usize| order.get(r).map_or(0.0, |&i| eig.eigenvalues[i].max(0.0));
    let vector = |r: usize| {
        order.get(r).map_or_else(Vec::new, |&i| {
            eig.eigenvectors.column(i).iter().copied().collect()
        })
    };
    ([lambda(0), lambda(1)], total, [vector(0), vector(1)])
}

fn normalize_unit(v: &mut [f64]) {
    let n = norm(v);
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

/// sklearn's `svd_flip(..., u_based_decision=False)`: the largest-magnitude entry (the
/// first one on ties) becomes positive.
fn flip_sign(v: &mut [f64]) {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if x.abs() > v[best].abs() {
            best = i;
        }
    }
    if v.get(best).is_some_and(|&x| x < 0.0) {
        v.iter_mut().for_each(|x| *x = -*x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::gaussian;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
    }

    fn path_in_plane(
        p: usize,
        n: usize,
        noise: f64,
    ) -> (Vec<Vec<f64>>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let f = gaussian(p, &mut rng);
        let mut u = gaussian(p, &mut rng);
        let mut v = gaussian(p, &mut rng);
        normalize_unit(&mut u);
        orthogonalize(&mut v, &u);
        normalize_unit(&mut v);
        let snaps = (0..n)
            .map(|i| {
                let t = i as f64 / (n - 1) as f64;
                let (a, b) = (
                    3.0 * (1.0 - t) * (1.0 + t),
                    0.8 * (6.0 * t).sin() * (1.0 - t),
                );
                let e = gaussian(p, &mut rng);
                (0..p)
                    .map(|k| f[k] + a * u[k] + b * v[k] + noise * e[k])
                    .collect()
            })
            .collect();
        (snaps, f, u, v)
    }

    /// |component of `d` inside span(u, v)| for a unit `d` (1 when d lies in the plane).
    fn in_plane(d: &[f64], u: &[f64], v: &[f64]) -> f64 {
        (dot(d, u).powi(2) + dot(d, v).powi(2)).sqrt()
    }

    #[test]
    fn pca_recovers_a_planar_path() {
        // n ≤ P (Gram route) and n > P (covariance route).
        for (p, n) in [(3000, 25), (7, 40)] {
            let (snaps, f, u, v) = path_in_plane(p, n, 0.0);
            let refs: Vec<&[f64]> = snaps.iter().map(|s| s.as_slice()).collect();
            let pca = pca_directions(&refs, &f).unwrap();
            assert!((norm(&pca.dir_x) - 1.0).abs() < 1e-14);
            assert!((norm(&pca.dir_y) - 1.0).abs() < 1e-14);
            assert!(dot(&pca.dir_x, &pca.dir_y).abs() < 1e-14);
            assert!((in_plane(&pca.dir_x, &u, &v) - 1.0).abs() < 1e-10, "p={p}");
            assert!((in_plane(&pca.dir_y, &u, &v) - 1.0).abs() < 1e-10, "p={p}");
            let [r1, r2] = pca.explained_variance_ratio;
            assert!(r1 >= r2 && r2 > 0.0);
            assert!((r1 + r2 - 1.0).abs() < 1e-10, "{r1} {r2}");
            assert!(pca.projection_error < 1e-10, "{}", pca.projection_error);
            assert_eq!(pca.coords.len(), n);
            // The last snapshot is the final model here (t = 1: a = b = 0).
            let (x, y) = pca.coords[n - 1];
            assert!(x.abs() < 1e-12 && y.abs() < 1e-12);
            // Coordinates reconstruct the path.
            for (s, &(x, y)) in snaps.iter().zip(&pca.coords) {
                for k in 0..p {
                    let back = f[k] + x * pca.dir_x[k] + y * pca.dir_y[k];
                    assert!((back - s[k]).abs() < 1e-10);
                }
            }
        }
    }

    #[test]
    fn pca_with_noise_has_a_projection_error_and_both_routes_agree() {
        let (snaps, f, u, v) = path_in_plane(9, 12, 0.05);
        let refs: Vec<&[f64]> = snaps.iter().map(|s| s.as_slice()).collect();
        let pca = pca_directions(&refs, &f).unwrap();
        assert!(
            pca.projection_error > 1e-3 && pca.projection_error < 0.2,
            "{}",
            pca.projection_error
        );
        assert!(pca.explained_variance_ratio.iter().sum::<f64>() < 1.0);
        assert!(in_plane(&pca.dir_x, &u, &v) > 0.95);
        // 12 snapshots > 9 parameters takes the covariance route; 8 of them, the Gram route.
        // Compare each route with an SVD of the centred matrix.
        for m in [12, 8] {
            let refs = &refs[..m];
            let pca = pca_directions(refs, &f).unwrap();
            let mut mc = DMatrix::from_fn(m, 9, |i, k| refs[i][k] - f[k]);
            let mean = mc.row_mean();
            for mut row in mc.row_iter_mut() {
                row -= &mean;
            }
            let svd = mc.svd(false, true);
            let mut sv: Vec<(f64, Vec<f64>)> = (0..svd.singular_values.len())
                .map(|j| {
                    (
                        svd.singular_values[j],
                        svd.v_t.as_ref().unwrap().row(j).iter().copied().collect(),
                    )
                })
                .collect();
            sv.sort_by(|a, b| b.0.total_cmp(&a.0));
            let total: f64 = sv.iter().map(|s| s.0 * s.0).sum();
            for (k, dir) in [&pca.dir_x, &pca.dir_y].into_iter().enumerate() {
                assert!(
                    (dot(dir, &sv[k].1).abs() - 1.0).abs() < 1e-10,
                    "m={m} k={k}"
                );
                assert!(rel(pca.explained_variance_ratio[k], sv[k].0.powi(2) / total) < 1e-10);
            }
        }
    }

    #[test]
    fn pca_matches_sklearn() {
        // numpy emulation of sklearn (>= 1.5) PCA(n_components=2).fit(M):
        //   M = snaps - final; Mc = M - M.mean(axis=0)
        //   U, S, Vt = np.linalg.svd(Mc, full_matrices=False)
        //   Vt *= np.sign(Vt[range(2), np.argmax(np.abs(Vt), axis=1)])[:, None]   # svd_flip
        //   ratio = S**2 / (S**2).sum();  coords = M @ Vt[0], M @ Vt[1]
        let f = [0.5, -1.0, 2.0, 0.25, -0.75];
        let snaps: [&[f64]; 5] = [
            &[0.0, 0.0, 0.0, 0.0, 0.0],
            &[0.3, -0.4, 1.1, 0.2, -0.1],
            &[0.45, -0.9, 1.7, 0.3, -0.5],
            &[0.52, -0.95, 2.05, 0.22, -0.7],
            &f,
        ];
        let pca = pca_directions(&snaps, &f).unwrap();
        let pc1 = [
            0.2069153143061966,
            -0.4170153456195479,
            0.821996643044631,
            0.09843483952070543,
            -0.31291589191868696,
        ];
        let pc2 = [
            0.172204844830682,
            0.21674456185139435,
            0.35313732785841334,
            0.2921500157196431,
            0.8445766290353525,
        ];
        for k in 0..5 {
            assert!((pca.dir_x[k] - pc1[k]).abs() < 1e-12, "{:?}", pca.dir_x);
            assert!((pca.dir_y[k] - pc2[k]).abs() < 1e-12, "{:?}", pca.dir_y);
        }
        assert!((pca.explained_variance_ratio[0] - 0.9802343407305394).abs() < 1e-12);
        assert!((pca.explained_variance_ratio[1] - 0.0160764530863096).abs() < 1e-12);
        let xs = [
            -2.4237619176811,
            -1.2397063206963177,
            -0.37195352419429045,
            0.005788531375822404,
            0.0,
        ];
        let ys = [
            -0.015237548434169745,
            0.3121494811591252,
            0.13287467363090158,
            0.06540252236228235,
            0.0,
        ];
        for i in 0..5 {
            assert!(
                (pca.coords[i].0 - xs[i]).abs() < 1e-12 && (pca.coords[i].1 - ys[i]).abs() < 1e-12
            );
        }
        assert!(pca.projection_error > 0.0);
    }

    #[test]
    fn pca_rejects_short_and_degenerate_paths() {
        let f = vec![1.0, 2.0, 3.0, 4.0];
        let a = vec![0.0, 0.0, 0.0, 0.0];
        let msg = |r: Result<Pca>| match r {
            Err(e @ Error::Invalid(_)) => e.to_string(),
            other => panic!("{other:?}"),
        };
        let m = msg(pca_directions(&[&a, &f], &f));
        assert!(
            m.contains("at least 3 snapshots") && m.contains("got 2"),
            "{m}"
        );
        // Points on one line through θ_f: rank 1.
        let line: Vec<Vec<f64>> = (0..5)
            .map(|i| f.iter().map(|x| x * (1.0 + i as f64 * 0.1)).collect())
            .collect();
        let refs: Vec<&[f64]> = line.iter().map(|s| s.as_slice()).collect();
        let m = msg(pca_directions(&refs, &f));
        assert!(m.contains("one-dimensional"), "{m}");
        let m = msg(pca_directions(&[&f, &f, &f], &f));
        assert!(m.contains("does not move"), "{m}");
        let m = msg(pca_directions(&[&f, &a, &f[..3]], &f));
        assert!(m.contains("snapshot 2 has 3 values"), "{m}");
        let nan = vec![0.0, f64::NAN, 0.0, 0.0];
        let m = msg(pca_directions(&[&f, &a, &nan], &f));
        assert!(m.contains("snapshot 2 has entry 1 = NaN"), "{m}");
    }
}
