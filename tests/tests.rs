//! All integration tests, built into one binary.

mod bad_input;
mod browser;
mod cli;
mod common;
mod configs;
mod connect;
mod derivatives;
mod formats;
mod hessian;
mod hostile_input;
#[cfg(feature = "mpi")]
mod mpi;
mod noise;
mod optimizers;
mod output_safety;
mod parsers;
mod plot_check;
mod ranks;
mod relocatable;
mod report;
mod saddle_free;
mod saddles;
mod sizes;
mod slice;
mod smoothed_slice;
mod studies;
mod weights_io;
