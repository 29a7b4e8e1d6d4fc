//! Pixel-space geometry for contour labels, clipping and overlays: points, boxes,
//! Liang–Barsky segment clipping, cutting boxes out of a polyline, and arc length along
//! a polyline.

pub(super) type Pt = (f64, f64);

/// An axis-aligned box `(x0, y0, x1, y1)` in pixels.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rect(
    pub(super) f64,
    pub(super) f64,
    pub(super) f64,
    pub(super) f64,
);

impl Rect {
    pub(super) fn overlaps(&self, o: &Rect) -> bool {
        self.0 < o.2 && o.0 < self.2 && self.1 < o.3 && o.1 < self.3
    }

    pub(super) fn contains(&self, o: &Rect) -> bool {
        o.0 >= self.0 && o.2 <= self.2 && o.1 >= self.1 && o.3 <= self.3
    }

    pub(super) fn grow(&self, d: f64) -> Rect {
        Rect(self.0 - d, self.1 - d, self.2 + d, self.3 + d)
    }
}

/// Liang–Barsky: the parameter interval `[t0, t1]` of segment `a + t (b - a)` inside `r`.
pub(super) fn clip_segment(a: Pt, b: Pt, r: &Rect) -> Option<(f64, f64)> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - r.0),
        (dx, r.2 - a.0),
        (-dy, a.1 - r.1),
        (dy, r.3 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    (t0 <= t1).then_some((t0, t1))
}

pub(super) fn at(a: Pt, b: Pt, t: f64) -> Pt {
    (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))
}

/// The parts of a polyline outside every box in `holes`.
pub(super) fn cut_out(points: &[Pt], holes: &[Rect]) -> Vec<Vec<Pt>> {
    let mut pieces: Vec<Vec<Pt>> = vec![points.to_vec()];
    for hole in holes {
        let mut next = Vec::new();
        for piece in pieces {
            let mut cur: Vec<Pt> = Vec::new();
            for w in piece.windows(2) {
                let (a, b) = (w[0], w[1]);
                match clip_segment(a, b, hole) {
                    None => {
                        if cur.is_empty() {
                            cur.push(a);
                        }
                        cur.push(b);
                    }
                    Some((t0, t1)) => {
                        if t0 > 0.0 {
                            if cur.is_empty() {
                                cur.push(a);
                            }
                            cur.push(at(a, b, t0));
                        }
                        if cur.len() >= 2 {
                            next.push(std::mem::take(&mut cur));
                        }
                        cur.clear();
                        if t1 < 1.0 {
                            cur.push(at(a, b, t1));
                            cur.push(b);
                        }
                    }
                }
            }
            if cur.len() >= 2 {
                next.push(cur);
            }
        }
        pieces = next;
    }
    pieces
}

pub(super) fn polyline_length(p: &[Pt]) -> f64 {
    p.windows(2)
        .map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1))
        .sum()
}

/// The point at arc length `s` along `p`.
pub(super) fn point_at(p: &[Pt], s: f64) -> Pt {
    let mut left = s.max(0.0);
    for w in p.windows(2) {
        let l = (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1);
        if left <= l && l > 0.0 {
            return at(w[0], w[1], left / l);
        }
        left -= l;
    }
    p[p.len() - 1]
}

pub(super) fn bbox(p: &[Pt]) -> Rect {
    p.iter().fold(
        Rect(
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ),
        |r, &(x, y)| Rect(r.0.min(x), r.1.min(y), r.2.max(x), r.3.max(y)),
    )
}

pub(super) fn hits(p: &[Pt], bb: &Rect, r: &Rect) -> bool {
    bb.overlaps(r) && p.windows(2).any(|w| clip_segment(w[0], w[1], r).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutting_and_clipping() {
        let line = vec![(0.0, 0.0), (10.0, 0.0)];
        let pieces = cut_out(&line, &[Rect(4.0, -1.0, 6.0, 1.0)]);
        assert_eq!(
            pieces,
            vec![vec![(0.0, 0.0), (4.0, 0.0)], vec![(6.0, 0.0), (10.0, 0.0)]]
        );
        assert!(clip_segment((0.0, 5.0), (10.0, 5.0), &Rect(0.0, 0.0, 1.0, 1.0)).is_none());
        assert_eq!(point_at(&line, 2.5), (2.5, 0.0));
    }
}
