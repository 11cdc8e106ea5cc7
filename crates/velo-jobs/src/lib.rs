//! What velo-web and velo-worker agree on: the tasks a job can run (the original's job resolvers),
//! the job record both read and write, and where everything lives in Redis.

pub mod cache;
pub mod keys;
pub mod metrics;
pub mod queue;
pub mod record;
pub mod task;

pub use record::{is_job_id, new_job_id, JobRecord, Status};
pub use task::{ArgsError, QueueMessage, Task};
