pub mod dq;
