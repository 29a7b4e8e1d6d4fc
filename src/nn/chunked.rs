//! Whole-data-set evaluation of an [`Mlp`]: loss, accuracy, gradient and Hessian-vector
//! product over n samples, in parallel and independent of the thread count.
//!
//! The rows are split into at most [`MAX_GROUPS`] groups of (nearly) equal size, each cut
//! into chunks of at most `chunk_rows` rows (set by the net's widths so a chunk's
//! activations stay cache-sized): a partition that depends only on n and the net, never
//! on the thread count. Each group (one rayon task) runs its chunks in order,
//! accumulating into its own buffers; the groups' results are then added in group
//! order, element by element. Every sum is therefore taken in the
//! same order whatever the number of threads, so results are bit-identical for any
//! `--threads`. Buffers live in the pool and are reused: steady-state calls allocate
//! nothing.

use crate::nn::matmul::{may_split, Split};
use crate::nn::mlp::{BatchStats, Mlp, Workspace};
use crate::nn::team;
use crate::nn::Samples;
use crate::scalar::Scalar;
use std::ops::Range;
use std::sync::Mutex;

/// Writes the first layer's pre-activations of rows start..end into the buffer given
/// (see [`ChunkPool::eval_given_first`]).
pub type FirstLayerFill<'f, S> = dyn Fn(usize, usize, &mut [S]) + Sync + 'f;

/// Upper bound on the number of independent accumulation buffers.
pub const MAX_GROUPS: usize = 16;

/// Rows per chunk for `mlp`: 2^17 activations per layer buffer, between 64 and 256 rows.
/// Few large chunks keep per-call overhead low on small nets; wide nets get fewer rows.
pub fn chunk_rows(mlp: &Mlp) -> usize {
    let widest = mlp.layout.widths()[1..].iter().copied().max().unwrap_or(1);
    (131_072 / widest).clamp(64, 256)
}

/// Loss and accuracy of a whole data set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Eval {
    pub loss: f64,
    /// Fraction correct; None for regression data.
    pub accuracy: Option<f64>,
}

struct Group<S> {
    ws: Workspace<S>,
    grad: Vec<S>,
    hv: Vec<S>,
    stats: BatchStats<S>,
}

/// Reusable per-group buffers for one network shape (allocated on first use).
pub struct ChunkPool<S> {
    /// Run the groups as rayon tasks (else in order on the calling thread; the numbers
    /// are the same either way).
    parallel: bool,
    /// A minibatch's panels may run on a [`team`] (else as rayon tasks).
    team: bool,
    chunk_rows: usize,
    n_params: usize,
    layout: crate::nn::Layout,
    /// fan_in · fan_out of the net's largest layer.
    widest_product: usize,
    groups: Vec<Mutex<Option<Group<S>>>>,
    /// Held for the whole of a call: the groups' buffers stay this call's until its
    /// reduction has read them.
    call: Mutex<()>,
}

/// How to split n rows into groups: ceil(n / chunk_rows) groups (at most MAX_GROUPS)
/// of sizes differing by at most one row.
fn partition(n: usize, chunk_rows: usize) -> Vec<Range<usize>> {
    let g = n.div_ceil(chunk_rows).clamp(1, MAX_GROUPS);
    (0..g).map(|i| i * n / g..(i + 1) * n / g).collect()
}

fn widest_product(layout: &crate::nn::Layout) -> usize {
    layout
        .layers()
        .map(|s| s.fan_in * s.fan_out)
        .max()
        .unwrap_or(0)
}

impl<S: Scalar> ChunkPool<S> {
    pub fn new(mlp: &Mlp) -> Self {
        ChunkPool {
            parallel: true,
            team: true,
            chunk_rows: chunk_rows(mlp),
            n_params: mlp.n_params(),
            layout: mlp.layout.clone(),
            widest_product: widest_product(&mlp.layout),
            groups: (0..MAX_GROUPS).map(|_| Mutex::new(None)).collect(),
            call: Mutex::new(()),
        }
    }

    /// An empty pool of the same shape and mode, for a call that finds this one busy.
    ///
    /// A pool shared by concurrent callers (tasks of an outer parallel loop, or a task
    /// that rayon runs while this thread waits inside a call) must not let two calls
    /// interleave in its group buffers. A call that cannot take the pool at once runs on
    /// a fresh pool instead of waiting, which could deadlock under rayon's work
    /// stealing; the numbers are the same, since the partition and the order of the
    /// sums depend only on n and the net.
    fn spare(&self) -> Self {
        ChunkPool {
            parallel: self.parallel,
            team: self.team,
            chunk_rows: self.chunk_rows,
            n_params: self.n_params,
            layout: self.layout.clone(),
            widest_product: self.widest_product,
            groups: (0..MAX_GROUPS).map(|_| Mutex::new(None)).collect(),
            call: Mutex::new(()),
        }
    }

    /// The same pool evaluating its groups on the calling thread: for callers that are
    /// already parallel over something else (grid points, runs).
    pub fn sequential(mut self) -> Self {
        self.parallel = false;
        self
    }

    /// The same pool running a minibatch's panels as rayon tasks instead of on a
    /// [`team`]: the same numbers, for the bench that measures what the team pays.
    pub fn without_team(mut self) -> Self {
        self.team = false;
        self
    }

    /// Whether a call on `rows` rows should run on a [`team`]: it is one group (a
    /// minibatch) whose products are large enough to cut into panels, so a team lets
    /// them start without waking a rayon worker each time. Smaller calls would only
    /// pay for the team's fork.
    pub fn wants_team(&self, rows: usize) -> bool {
        self.team && self.parallel && self.one_group(rows) && may_split(rows * self.widest_product)
    }

    /// Whether `rows` rows make a single group (see [`partition`]).
    fn one_group(&self, rows: usize) -> bool {
        rows <= self.chunk_rows
    }

    /// Loss and accuracy of `data` at `theta`.
    pub fn eval(&self, mlp: &Mlp, data: &Samples<S>, theta: &[S]) -> Eval {
        self.eval_rows(mlp, data, theta, None)
    }

    /// Loss and accuracy of `data` at `theta`, the first layer's pre-activations of rows
    /// start..end written by `first(start, end, z1)` instead of computed from theta's
    /// first layer (see [`Mlp::forward_given_first`]). The chunks and the order of the
    /// sums are those of [`ChunkPool::eval`].
    pub fn eval_given_first(
        &self,
        mlp: &Mlp,
        data: &Samples<S>,
        theta: &[S],
        first: &FirstLayerFill<'_, S>,
    ) -> Eval {
        self.eval_rows(mlp, data, theta, Some(first))
    }

    fn eval_rows(
        &self,
        mlp: &Mlp,
        data: &Samples<S>,
        theta: &[S],
        first: Option<&FirstLayerFill<'_, S>>,
    ) -> Eval {
        let Ok(_call) = self.call.try_lock() else {
            return self.spare().eval_rows(mlp, data, theta, first);
        };
        let stats = self.run(data, |g, rows| {
            for (start, end) in chunks(rows, self.chunk_rows) {
                let scale = mlp.loss.scale(data.n, data.k);
                let batch = data.batch(mlp.loss, start, end);
                let s = match first {
                    None => mlp.loss_batch(theta, batch, scale, &mut g.ws),
                    Some(fill) => {
                        mlp.loss_batch_given_first(theta, batch, scale, &mut g.ws, |z1, _| {
                            fill(start, end, z1)
                        })
                    }
                };
                g.stats.loss += s.loss;
                g.stats.correct += s.correct;
            }
        });
        finish(stats, data)
    }

    /// Loss, accuracy and gradient (written to `grad`) of `data` at `theta`.
    pub fn eval_grad(&self, mlp: &Mlp, data: &Samples<S>, theta: &[S], grad: &mut [S]) -> Eval {
        let Ok(_call) = self.call.try_lock() else {
            return self.spare().eval_grad(mlp, data, theta, grad);
        };
        // One group (a minibatch) accumulates straight into `grad`: no copy out.
        let single = self.one_group(data.n);
        let direct = Mutex::new(grad);
        let stats = self.run(data, |g, rows| {
            let mut out = single.then(|| direct.lock().unwrap());
            let dst: &mut [S] = match out.as_mut() {
                Some(out) => out,
                None => &mut g.grad,
            };
            if team::shares_elementwise(dst.len()) {
                team::for_each_block_mut([&mut *dst], team::ELEMENT_BLOCK, &|_, [d]| {
                    d.fill(S::zero())
                });
            } else {
                dst.fill(S::zero());
            }
            for (start, end) in chunks(rows, self.chunk_rows) {
                let scale = mlp.loss.scale(data.n, data.k);
                let s = mlp.loss_grad_batch(
                    theta,
                    data.batch(mlp.loss, start, end),
                    scale,
                    &mut g.ws,
                    dst,
                );
                g.stats.loss += s.loss;
                g.stats.correct += s.correct;
            }
        });
        if !single {
            self.reduce(stats.1, direct.into_inner().unwrap(), |g| &g.grad);
        }
        finish(stats, data)
    }

    /// Hessian-vector product H(theta)·v of the data set's loss, written to `hv`.
    pub fn hvp(&self, mlp: &Mlp, data: &Samples<S>, theta: &[S], v: &[S], hv: &mut [S]) -> Eval {
        let Ok(_call) = self.call.try_lock() else {
            return self.spare().hvp(mlp, data, theta, v, hv);
        };
        let p = mlp.n_params();
        let stats = self.run(data, |g, rows| {
            g.hv.clear();
            g.hv.resize(p, S::zero());
            for (start, end) in chunks(rows, self.chunk_rows) {
                let scale = mlp.loss.scale(data.n, data.k);
                let s = mlp.hvp_batch(
                    theta,
                    v,
                    data.batch(mlp.loss, start, end),
                    scale,
                    &mut g.ws,
                    &mut g.hv,
                    None,
                );
                g.stats.loss += s.loss;
                g.stats.correct += s.correct;
            }
        });
        self.reduce(stats.1, hv, |g| &g.hv);
        finish(stats, data)
    }

    /// Run `work` on each group's rows (in parallel when there are several groups) and
    /// add the groups' statistics in order. Returns (stats, number of groups).
    fn run<F>(&self, data: &Samples<S>, work: F) -> (BatchStats<S>, usize)
    where
        F: Fn(&mut Group<S>, Range<usize>) + Sync,
    {
        let parts = partition(data.n, self.chunk_rows);
        // A call of one group (a minibatch) has no parallelism across groups: its
        // matrix products are cut into panels instead (see `Split`).
        let split = if parts.len() == 1 {
            Split::Panels {
                parallel: self.parallel,
            }
        } else {
            Split::Whole
        };
        let job = |(g, rows): (&Mutex<Option<Group<S>>>, Range<usize>)| {
            let mut g = g.lock().unwrap();
            let g = g.get_or_insert_with(|| Group {
                ws: Workspace::new(&self.layout, self.chunk_rows),
                grad: vec![S::zero(); self.n_params],
                hv: Vec::new(),
                stats: BatchStats::default(),
            });
            g.stats = BatchStats::default();
            g.ws.split = split;
            work(g, rows);
        };
        if self.wants_team(data.n) {
            team::with_team(|| job((&self.groups[0], parts[0].clone())));
        } else if parts.len() == 1 || !self.parallel {
            self.groups.iter().zip(parts.clone()).for_each(job);
        } else {
            // On the caller's team when it has one (a training step), else on rayon.
            team::for_each(parts.len(), &|i| job((&self.groups[i], parts[i].clone())));
        }
        let mut total = BatchStats::<S>::default();
        for g in &self.groups[..parts.len()] {
            let g = g.lock().unwrap();
            let g = g.as_ref().expect("every group ran");
            total.loss += g.stats.loss;
            total.correct += g.stats.correct;
        }
        (total, parts.len())
    }

    /// out[i] = Σ_g buf_g[i] over the first `n_groups` groups, in group order.
    fn reduce(&self, n_groups: usize, out: &mut [S], buf: impl Fn(&Group<S>) -> &Vec<S> + Sync) {
        let guards: Vec<_> = self.groups[..n_groups]
            .iter()
            .map(|g| g.lock().unwrap())
            .collect();
        let bufs: Vec<&[S]> = guards
            .iter()
            .map(|g| &buf(g.as_ref().expect("every group ran"))[..])
            .collect();
        const BLOCK: usize = 16 * 1024;
        let add = |(b, o): (usize, &mut [S])| {
            let at = b * BLOCK;
            let len = o.len();
            o.copy_from_slice(&bufs[0][at..at + len]);
            for src in &bufs[1..] {
                for (x, &y) in o.iter_mut().zip(&src[at..at + len]) {
                    *x += y;
                }
            }
        };
        if out.len() > BLOCK && n_groups > 1 {
            team::for_each_block_mut([out], BLOCK, &|b, [o]| add((b, o)));
        } else {
            out.chunks_mut(BLOCK).enumerate().for_each(add);
        }
    }
}

fn chunks(rows: Range<usize>, chunk_rows: usize) -> impl Iterator<Item = (usize, usize)> {
    rows.clone()
        .step_by(chunk_rows)
        .map(move |s| (s, (s + chunk_rows).min(rows.end)))
}

fn finish<S: Scalar>((stats, _): (BatchStats<S>, usize), data: &Samples<S>) -> Eval {
    Eval {
        loss: stats.loss.f64(),
        accuracy: data
            .has_labels()
            .then(|| stats.correct as f64 / data.n.max(1) as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn partition_covers_rows_in_order_and_ignores_threads() {
        for n in [1, 255, 256, 257, 2000, 100_000] {
            let p = partition(n, 256);
            assert_eq!(p[0].start, 0);
            assert_eq!(p.last().unwrap().end, n);
            assert!(p.windows(2).all(|w| w[0].end == w[1].start));
            assert!(p.len() <= MAX_GROUPS);
        }
    }

    #[test]
    fn concurrent_calls_on_one_pool_give_each_caller_its_own_numbers() {
        use crate::data::synthetic::spirals;
        use crate::nn::{Activation, Init, Loss};
        use rand::SeedableRng;
        // 2,000 rows: 8 groups, so interleaved calls would mix group buffers.
        let mlp = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, Loss::Bce);
        let data = Samples::<f64>::new(&spirals(2000, 0.1, 1), Loss::Bce, 1, "t").unwrap();
        let thetas: Vec<Vec<f64>> = (0..16)
            .map(|i| {
                Init::Xavier.theta(&mlp.layout, &mut rand_chacha::ChaCha8Rng::seed_from_u64(i))
            })
            .collect();
        let one_at_a_time: Vec<Vec<f64>> = thetas
            .iter()
            .map(|t| {
                let mut g = vec![0.0; mlp.n_params()];
                ChunkPool::new(&mlp).eval_grad(&mlp, &data, t, &mut g);
                g
            })
            .collect();
        let shared = ChunkPool::new(&mlp);
        for _ in 0..5 {
            let together: Vec<Vec<f64>> = thetas
                .par_iter()
                .map(|t| {
                    let mut g = vec![0.0; mlp.n_params()];
                    shared.eval_grad(&mlp, &data, t, &mut g);
                    g
                })
                .collect();
            assert_eq!(together, one_at_a_time);
        }
    }

    /// A minibatch of one group on a wide net: its products are cut into panels and run
    /// on a team. Gradient and HVP come out bit-identical on 1, 2 or 3 threads and on a
    /// sequential pool, and match a central difference of the loss.
    #[test]
    fn panelled_minibatch_numbers_do_not_depend_on_threads() {
        use crate::data::synthetic::spirals;
        use crate::nn::{Activation, Init, Loss};
        use rand::SeedableRng;
        let mlp = Mlp::new(&[2, 512, 512, 1], Activation::Tanh, Loss::Bce);
        // 64 rows, one group; the 64×512×512 product has 16.8M multiply-adds: 4 panels.
        let data = Samples::<f64>::new(&spirals(64, 0.1, 1), Loss::Bce, 1, "t").unwrap();
        assert_eq!(partition(data.n, chunk_rows(&mlp)).len(), 1);
        let theta = Init::Xavier.theta(&mlp.layout, &mut rand_chacha::ChaCha8Rng::seed_from_u64(3));
        let v: Vec<f64> = (0..theta.len()).map(|i| (i as f64 * 0.7).sin()).collect();
        let numbers = |pool: ChunkPool<f64>| {
            let (mut g, mut hv) = (vec![0.0; theta.len()], vec![0.0; theta.len()]);
            let e = pool.eval_grad(&mlp, &data, &theta, &mut g);
            pool.hvp(&mlp, &data, &theta, &v, &mut hv);
            (e.loss, g, hv)
        };
        let on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| numbers(ChunkPool::new(&mlp)))
        };
        let two = on(2);
        assert!(on(1) == two && on(3) == two);
        assert!(numbers(ChunkPool::new(&mlp).sequential()) == two);
        // dL/dv along v by central differences, against gᵀv.
        let loss = |t: &[f64]| ChunkPool::new(&mlp).eval(&mlp, &data, t).loss;
        let fd = crate::finite_diff::directional_derivative(loss, &theta, &v, 1e-5);
        let gv = crate::linalg::dot(&two.1, &v);
        assert!((fd - gv).abs() < 1e-6 * gv.abs().max(1.0), "{fd} vs {gv}");
    }
}
