//! veloview: the VELO run model, plot formatting and data quality, built on the ROOT I/O of
//! `velo-root` (re-exported here, so `veloview::hist`, `veloview::rio` and friends keep working).

pub mod alarms;
pub mod demo;
pub mod dq;
pub mod runview;

pub use velo_root::{cancel, dump, hist, rio, verify, Error, Histogram, ReadOptions, RootFile};
