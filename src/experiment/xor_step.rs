//! Step neurons on the XOR truth table, parts (a) and (b) of kind `xor`.
//!
//! (a) One step neuron o = step(w₁x₁ + w₂x₂ + b) cannot compute XOR: an exhaustive search
//!     over a (w₁, w₂, b) grid finds at best 3 of 4 points right, and the perceptron rule
//!     w ← w + (t − o)x never reaches an error-free epoch (on AND, for contrast, it does).
//! (b) Two layers can: x₁ ⊕ x₂ = ¬((x₁ ∧ x₂) ∨ ¬(x₁ ∨ x₂)), wired by hand as step
//!     neurons h₁ = AND = step(x₁ + x₂ − 1.5), h₂ = NOR = step(−x₁ − x₂ + 0.5) and a linear
//!     output 1 − h₁ − h₂ (= NOR(h₁, h₂), as h₁ and h₂ are never both 1).

use crate::data::{Dataset, Labels};
use ndarray::arr2;

/// The truth table's inputs in the order 00, 01, 10, 11.
pub const INPUTS: [[f64; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
/// XOR of [`INPUTS`].
pub const XOR: [u32; 4] = [0, 1, 1, 0];
/// AND of [`INPUTS`].
pub const AND: [u32; 4] = [0, 0, 0, 1];

/// The hand-wired network's formula, as reported.
pub const FORMULA: &str = "x1 xor x2 = not((x1 and x2) or not(x1 or x2))";
/// The hand-wired network's widths.
pub const FORMULA_LAYERS: [usize; 3] = [2, 2, 1];

fn step(z: f64) -> u32 {
    u32::from(z > 0.0)
}

/// What the exhaustive search over single step neurons found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchResult {
    /// Most XOR points any weight triple gets right.
    pub best_correct: u32,
    /// Weight triples reaching `best_correct`.
    pub at_best: usize,
    /// Weight triples tried (grid³).
    pub tried: usize,
}

/// Best number of XOR points a single step neuron gets right over a `grid`-point-per-axis
/// weight grid on [−limit, limit]³, and how many grid points reach that best.
pub fn single_neuron_search(grid: usize, limit: f64) -> SearchResult {
    let axis: Vec<f64> = (0..grid)
        .map(|i| -limit + 2.0 * limit * i as f64 / (grid - 1) as f64)
        .collect();
    let mut best = 0;
    let mut count = 0;
    for &w1 in &axis {
        for &w2 in &axis {
            for &b in &axis {
                let c = INPUTS
                    .iter()
                    .zip(XOR)
                    .filter(|(x, t)| step(w1 * x[0] + w2 * x[1] + b) == *t)
                    .count() as u32;
                if c > best {
                    best = c;
                    count = 0;
                }
                if c == best {
                    count += 1;
                }
            }
        }
    }
    SearchResult {
        best_correct: best,
        at_best: count,
        tried: grid * grid * grid,
    }
}

/// Rosenblatt's perceptron rule from w = 0, learning rate 1, points in table order.
/// Returns the epoch (1-based) of the first error-free epoch, and the errors per epoch.
pub fn perceptron(targets: &[u32; 4], epochs: usize) -> (Option<usize>, Vec<usize>) {
    let mut w = [0.0f64; 3];
    let mut errors = Vec::new();
    for e in 1..=epochs {
        let mut errs = 0;
        for (x, &t) in INPUTS.iter().zip(targets) {
            let o = step(w[0] * x[0] + w[1] * x[1] + w[2]);
            if o != t {
                errs += 1;
                let d = t as f64 - o as f64;
                w[0] += d * x[0];
                w[1] += d * x[1];
                w[2] += d;
            }
        }
        errors.push(errs);
        if errs == 0 {
            return (Some(e), errors);
        }
    }
    (None, errors)
}

/// The hand-wired network's parameters in flat order for layers [`FORMULA_LAYERS`].
pub fn formula_theta() -> Vec<f64> {
    vec![
        1.0, 1.0, -1.0, -1.0, // W1: AND row, NOR row
        -1.5, 0.5, // b1
        -1.0, -1.0, // W2
        1.0,  // b2
    ]
}

/// The XOR truth table as a two-class data set.
pub fn truth_table() -> Dataset {
    Dataset {
        x: arr2(&INPUTS),
        y: Labels::Classes {
            labels: XOR.to_vec(),
            n_classes: 2,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::figures;
    use crate::nn::{Activation, Loss, Mlp};

    #[test]
    fn one_step_neuron_gets_three_of_four_at_best() {
        assert_eq!(single_neuron_search(21, 2.0).best_correct, 3);
    }

    #[test]
    fn the_search_on_the_two_point_grid_matches_a_hand_count() {
        // On {−1, 1}³, by hand: (−1,−1,−1), (−1,1,−1) and (1,−1,−1) output 0 everywhere
        // and (1,1,1) outputs 1 everywhere, 2 of 4 right each; the other four get 1.
        assert_eq!(
            single_neuron_search(2, 1.0),
            SearchResult {
                best_correct: 2,
                at_best: 4,
                tried: 8
            }
        );
    }

    #[test]
    fn perceptron_fails_on_xor_and_converges_on_and() {
        let (xor_done, errors) = perceptron(&XOR, 200);
        assert_eq!(xor_done, None);
        assert_eq!(errors.len(), 200);
        assert!(perceptron(&AND, 200).0.is_some());
    }

    #[test]
    fn formula_network_reproduces_the_truth_table() {
        let net = Mlp::new(&FORMULA_LAYERS, Activation::Step, Loss::SseHalf);
        let out = figures::predict(
            &net,
            &formula_theta(),
            truth_table().x.as_slice().unwrap(),
            4,
        );
        assert_eq!(out, vec![0.0, 1.0, 1.0, 0.0]);
    }
}
