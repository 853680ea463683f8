//! alb-audit: finds which AWS setting breaks which path through an Application Load Balancer.
//!
//! Data flows one way: [`collect`] (AWS SDK -> [`model`]) -> [`analysis`] phrased by the
//! [`rules`] catalogue (model -> findings) -> [`report`] (findings -> JSON, text and the other
//! formats). The model is the snapshot format, so everything after collection runs offline.

pub mod analysis;
pub mod arn;
pub mod cli;
pub mod collect;
pub mod error;
pub mod finding;
pub mod fix;
pub mod input;
pub mod model;
pub mod net;
pub mod probe;
pub mod report;
pub mod rules;
