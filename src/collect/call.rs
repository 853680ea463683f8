//! How every API call is made: under a permit of this (account, region)'s concurrency bound and
//! of the run's overall bound, labelled with its IAM action, and with a failure turned into a
//! [`Gap`] rather than an abort. Batched reads go through [`Caller::chunked`], which splits a
//! list of ids into the API's largest batches and runs them concurrently.

use std::future::Future;
use std::sync::Arc;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::future::join_all;
use tokio::sync::Semaphore;

use super::failure::gap;
use crate::model::{Dataset, Gap};

/// Bounds on calls in flight: this (account, region)'s, and the whole run's.
pub struct Caller {
    local: Semaphore,
    global: Arc<Semaphore>,
    timeout_secs: u64,
}

impl Caller {
    /// At most `local` calls at once here, and at most as many as `global` allows overall.
    pub fn new(local: usize, global: Arc<Semaphore>, timeout_secs: u64) -> Self {
        Caller {
            local: Semaphore::new(local.max(1)),
            global,
            timeout_secs,
        }
    }

    /// The per-call timeout in seconds, for reasons that name it.
    pub fn timeout_secs(&self) -> u64 {
        self.timeout_secs
    }

    /// Runs one API call (all its pages) under both bounds; a failure becomes a gap naming
    /// `api`, `dataset` and the ALB it was for.
    pub async fn run<T, E>(
        &self,
        dataset: Dataset,
        api: &str,
        lb: Option<&str>,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, Gap>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.bounded(call)
            .await
            .map_err(|e| gap(dataset, api, &e, lb, self.timeout_secs))
    }

    /// Runs `call` under both bounds, keeping its own error.
    pub async fn bounded<F: Future>(&self, call: F) -> F::Output {
        // The semaphores are never closed, so acquiring cannot fail; run unbounded if it did.
        let _local = self.local.acquire().await.ok();
        let _global = self.global.acquire().await.ok();
        call.await
    }

    /// Runs `call` for every chunk of `ids` (at most `size` each) concurrently and joins the
    /// results; the first failure wins.
    pub async fn chunked<'i, T, E, F, Fut>(
        &self,
        dataset: Dataset,
        api: &str,
        ids: &'i [String],
        size: usize,
        call: F,
    ) -> Result<Vec<T>, Gap>
    where
        F: Fn(&'i [String]) -> Fut,
        Fut: Future<Output = Result<Vec<T>, E>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let results = join_all(
            ids.chunks(size.max(1))
                .map(|chunk| self.run(dataset, api, None, call(chunk))),
        )
        .await;
        let mut out = Vec::new();
        for r in results {
            out.extend(r?);
        }
        Ok(out)
    }
}
