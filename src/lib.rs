//! alb-audit: finds which AWS setting breaks which path through an Application Load Balancer.
//!
//! Data flows one way: [`collect`] (AWS SDK -> [`model`]) -> [`eval`] with the [`rules`]
//! catalogue (model -> findings) -> [`report`] (findings -> JSON or text). The model is the
//! snapshot format, so everything after collection runs offline.

pub mod arn;
pub mod cli;
pub mod collect;
pub mod error;
pub mod eval;
pub mod finding;
pub mod model;
pub mod net;
pub mod probe;
pub mod report;
pub mod rules;
