//! Analyses: pure functions from the model to judged path verdicts, computed once per ALB and
//! shared by the rules that phrase them. `scope` decides which clients count, `frontend` the
//! client -> node path, `backend` the node -> target path, `targets` which groups carry traffic
//! and how healthy they are, `tls` what the HTTPS listeners present; `cause` is the vocabulary
//! of what breaks a path.

pub mod auth;
pub mod backend;
pub mod capacity;
pub mod cause;
pub mod frontend;
pub mod index;
pub mod lambda;
pub mod lambda_policy;
pub mod mtls;
pub mod reachable;
pub mod return_path;
pub mod scope;
pub mod shift;
pub mod targets;
pub mod tls;
pub mod unknown;

use std::cell::OnceCell;

use crate::model::{Dataset, LoadBalancer, Network, Snapshot};
pub use scope::ClientScope;

/// Everything a rule may read about one ALB; the analyses are computed on first use.
pub struct AlbContext<'a, 'i> {
    /// The whole snapshot.
    pub snapshot: &'a Snapshot,
    /// The ALB under audit.
    pub lb: &'a LoadBalancer,
    /// Which clients must get through.
    pub scope: ClientScope,
    /// Lookups shared by every ALB of the snapshot.
    pub index: &'i index::Index<'a>,
    /// What the user asked of the HTTPS listeners (`--hostname`, `--client-tls`, ...).
    pub tls: &'i tls::TlsOptions,
    frontend: OnceCell<frontend::Frontend<'a>>,
    backend: OnceCell<backend::Backend<'a>>,
    groups: OnceCell<Vec<targets::GroupUse<'a>>>,
    unknowns: OnceCell<Vec<(Dataset, String)>>,
    shifts: OnceCell<shift::Shifts<'a>>,
}

impl<'a, 'i> AlbContext<'a, 'i> {
    /// A context for `lb` with nothing analysed yet.
    pub fn new(
        snapshot: &'a Snapshot,
        lb: &'a LoadBalancer,
        scope: ClientScope,
        index: &'i index::Index<'a>,
        tls: &'i tls::TlsOptions,
    ) -> Self {
        AlbContext {
            snapshot,
            lb,
            scope,
            index,
            tls,
            frontend: OnceCell::new(),
            backend: OnceCell::new(),
            groups: OnceCell::new(),
            unknowns: OnceCell::new(),
            shifts: OnceCell::new(),
        }
    }

    /// The network resources.
    pub fn network(&self) -> &'a Network {
        &self.snapshot.network
    }

    /// The client -> ALB node analysis, judged over the nodes in DNS.
    pub fn frontend(&self) -> &frontend::Frontend<'a> {
        self.frontend.get_or_init(|| {
            frontend::Frontend::analyse(
                self.snapshot,
                self.index,
                self.lb,
                &self.scope,
                self.tls,
                self.shifts().in_dns_all(),
            )
        })
    }

    /// The ALB node -> target analysis, judged over the nodes in DNS.
    pub fn backend(&self) -> &backend::Backend<'a> {
        self.backend.get_or_init(|| {
            backend::Backend::analyse(
                self.snapshot,
                self.index,
                self.lb,
                self.shifts().in_dns_all(),
            )
        })
    }

    /// Which nodes ARC zonal shifts have taken out of DNS.
    pub fn shifts(&self) -> &shift::Shifts<'a> {
        self.shifts
            .get_or_init(|| shift::Shifts::analyse(self.snapshot, self.lb))
    }

    /// The forwarded target groups and how they are used.
    pub fn groups(&self) -> &[targets::GroupUse<'a>] {
        self.groups
            .get_or_init(|| targets::forwarded(self.snapshot, self.index, self.lb))
    }

    /// How many ALB nodes (enabled zones) there are.
    pub fn node_count(&self) -> usize {
        self.lb.availability_zones.len()
    }

    /// `api: error` for every gap that hides one of `datasets` for this ALB, and for every
    /// value read into one of them that is missing or unknown ([`unknown`]).
    pub fn gap_reasons(&self, datasets: &[Dataset]) -> Vec<String> {
        let unknowns = self
            .unknowns
            .get_or_init(|| unknown::unknowns(self.snapshot, self.lb));
        datasets
            .iter()
            .flat_map(|d| self.snapshot.gaps_for(&self.lb.arn, *d))
            .map(|g| format!("{}: {}", g.api, g.error))
            .chain(
                unknowns
                    .iter()
                    .filter(|(d, _)| datasets.contains(d))
                    .map(|(_, reason)| reason.clone()),
            )
            .collect()
    }
}
