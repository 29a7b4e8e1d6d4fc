//! `Layout`: where each layer's weight matrix and bias live in the flat parameter vector.
//!
//! Flat order (a public contract, equal to PyTorch's `parameters_to_vector` for an
//! `nn.Sequential` of `Linear` layers): for each layer l, W_l of shape (out, in) in
//! row-major order, then b_l of length out. P = sum over layers of out*(in+1).

use std::ops::Range;

/// Offsets of every layer's W and b in theta.
///
/// ```
/// use losscape::nn::Layout;
///
/// // nn.Sequential(Linear(2, 3), Tanh(), Linear(3, 1)): 0.weight (3×2), 0.bias (3),
/// // 2.weight (1×3), 2.bias (1).
/// let layout = Layout::new(&[2, 3, 1]);
/// assert_eq!(layout.n_params(), 6 + 3 + 3 + 1);
/// assert_eq!(layout.layer(0).weight(), 0..6);
/// assert_eq!(layout.layer(0).bias(), 6..9);
/// assert_eq!(layout.layer(0).row(2), 4..6); // neuron 2's incoming weights
/// assert_eq!(layout.layer(1).weight(), 9..12);
/// assert_eq!(layout.layer(1).bias(), 12..13);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    widths: Vec<usize>,
    offsets: Vec<usize>,
}

/// Position of one dense layer inside theta.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerSpan {
    pub fan_in: usize,
    pub fan_out: usize,
    /// Offset of W (out x in, row-major).
    pub w: usize,
    /// Offset of b (out).
    pub b: usize,
}

impl LayerSpan {
    pub fn weight(&self) -> Range<usize> {
        self.w..self.b
    }
    pub fn bias(&self) -> Range<usize> {
        self.b..self.b + self.fan_out
    }
    /// Row `i` of W: the incoming weights of neuron i (one "filter").
    pub fn row(&self, i: usize) -> Range<usize> {
        let start = self.w + i * self.fan_in;
        start..start + self.fan_in
    }
}

impl Layout {
    /// `widths` = [input, hidden..., output]; at least two entries, none zero (checked by config).
    pub fn new(widths: &[usize]) -> Self {
        assert!(
            widths.len() >= 2,
            "a layout needs an input and an output width"
        );
        let mut offsets = Vec::with_capacity(widths.len());
        let mut at = 0;
        offsets.push(0);
        for w in widths.windows(2) {
            at += w[1] * (w[0] + 1);
            offsets.push(at);
        }
        Layout {
            widths: widths.to_vec(),
            offsets,
        }
    }

    pub fn widths(&self) -> &[usize] {
        &self.widths
    }
    pub fn n_layers(&self) -> usize {
        self.widths.len() - 1
    }
    pub fn n_params(&self) -> usize {
        *self.offsets.last().unwrap()
    }
    pub fn input_width(&self) -> usize {
        self.widths[0]
    }
    pub fn output_width(&self) -> usize {
        *self.widths.last().unwrap()
    }
    pub fn max_width(&self) -> usize {
        *self.widths.iter().max().unwrap()
    }

    pub fn layer(&self, l: usize) -> LayerSpan {
        let (fan_in, fan_out) = (self.widths[l], self.widths[l + 1]);
        let w = self.offsets[l];
        LayerSpan {
            fan_in,
            fan_out,
            w,
            b: w + fan_in * fan_out,
        }
    }

    pub fn layers(&self) -> impl Iterator<Item = LayerSpan> + '_ {
        (0..self.n_layers()).map(|l| self.layer(l))
    }

    /// Ranges of all bias entries.
    pub fn bias_ranges(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        self.layers().map(|s| s.bias())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_pytorch_order() {
        // nn.Sequential(Linear(2,3), Tanh(), Linear(3,1)): 0.weight(3x2) 0.bias(3) 2.weight(1x3) 2.bias(1)
        let l = Layout::new(&[2, 3, 1]);
        assert_eq!(l.n_params(), 6 + 3 + 3 + 1);
        assert_eq!(l.layer(0).weight(), 0..6);
        assert_eq!(l.layer(0).bias(), 6..9);
        assert_eq!(l.layer(1).weight(), 9..12);
        assert_eq!(l.layer(1).bias(), 12..13);
        assert_eq!(l.layer(0).row(2), 4..6);
    }
}
