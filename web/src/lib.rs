//! velo-web: the pages shifters open and the jobs API their browsers call.

pub mod alarms;
pub mod dq;
pub mod jobs;
pub mod ops;
pub mod pages;
pub mod policy;
pub mod startup;

pub use startup::Application;
