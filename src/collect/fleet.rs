//! The fleet: every (account, region) in one run. Accounts are the caller's own, or reached by
//! assuming `arn:PARTITION:iam::ACCOUNT:role/ROLE` in each account given (`--account`) or in
//! every active account of the organization (`--organization`); regions are the home region,
//! a list (`--regions`), or every region enabled for each account (`--regions all`). Every
//! (account, region) is read by its own [`Collector`], all at once: each keeps its own bound on
//! calls in flight (`--concurrency`, so no account's API rate limit is tripped) and all share
//! one overall bound (`--max-concurrency`). What could not be read is an [`Unread`] entry,
//! never a silent skip.
//!
//! AWS semantics relied on:
//! - AssumeRole returns credentials that act in the role's account, valid for one hour by
//!   default: <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>; the
//!   external id is the role trust policy's `sts:ExternalId` condition:
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html>.
//! - ListAccounts lists every account of the organization, from the management account or a
//!   delegated administrator; only accounts whose `State` is `ACTIVE` can be read (`Status`,
//!   retired in 2026, where `State` is absent):
//!   <https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html>.
//! - DescribeRegions without `AllRegions` lists the regions enabled for the account (opt-in
//!   status `opt-in-not-required` or `opted-in`):
//!   <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html>.

use std::sync::Arc;
use std::time::SystemTime;

use aws_config::{Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_organizations::types::{AccountState, AccountStatus};
use futures::future::join_all;
use tokio::sync::Semaphore;

use super::call::Caller;
use super::failure::reason;
use super::progress::Progress;
use super::{config, AwsOptions, Collector, Selection};
use crate::error::{Error, Result};
use crate::model::fleet::{scope, Fleet, Unread, ORGANIZATION};

const ASSUME_ROLE: &str = "sts:AssumeRole";
const LIST_ACCOUNTS: &str = "organizations:ListAccounts";
const DESCRIBE_REGIONS: &str = "ec2:DescribeRegions";
/// How assumed sessions name themselves in the accounts' CloudTrail.
const SESSION_NAME: &str = "alb-audit";

/// Which accounts a fleet run reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Accounts {
    /// The caller's own account, with the credentials of the SDK's default chain.
    Caller,
    /// Accounts reached by assuming `role` in each.
    Assumed {
        /// The account ids, or the organization's.
        which: AccountList,
        /// The role to assume in every one of them.
        role: Role,
    },
}

/// Where the accounts to assume a role in come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountList {
    /// `--account`, each a 12-digit id.
    Listed(Vec<String>),
    /// `--organization`: the active accounts of the caller's AWS Organization.
    Organization,
}

/// The role assumed in each account (`--role-name`, `--external-id`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// The role's name, with its path if it has one (`audit/AlbAudit`).
    pub name: String,
    /// The external id the role's trust policy requires, if any.
    pub external_id: Option<String>,
}

/// Which regions of each account a fleet run reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Regions {
    /// The home region only (`--region` or the SDK's default chain).
    Home,
    /// These regions in every account (`--regions a,b`).
    Listed(Vec<String>),
    /// Every region enabled for each account (`--regions all`).
    Enabled,
}

/// What a fleet run covers and how hard it may call AWS overall.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FleetOptions {
    /// The accounts.
    pub accounts: Accounts,
    /// The regions of each account.
    pub regions: Regions,
    /// At most this many API calls in flight over the whole run (`--max-concurrency`).
    pub max_concurrency: usize,
}

/// Reads `selection` in every (account, region) of `fleet`, concurrently, into one [`Fleet`].
/// Bad configuration (no credentials, an unknown region) is an error; an account or region
/// that cannot be read is an [`Unread`] entry of the result.
pub async fn collect(
    aws: &AwsOptions,
    fleet: &FleetOptions,
    selection: &Selection,
    progress: Arc<Progress>,
) -> Result<Fleet> {
    let first_listed = match &fleet.regions {
        Regions::Listed(regions) => regions.first().map(String::as_str),
        Regions::Home | Regions::Enabled => None,
    };
    let base = config::load(aws, first_listed).await?;
    let home = base
        .region()
        .map(|r| r.to_string())
        .ok_or_else(|| Error::Config("no region: pass --region or set AWS_REGION".into()))?;
    let global = Arc::new(Semaphore::new(fleet.max_concurrency.max(1)));
    let caller = Caller::new(aws.concurrency, global.clone(), aws.call_timeout.as_secs());
    let mut out = Fleet::new();

    let accounts: Vec<(Option<String>, SdkConfig)> = match &fleet.accounts {
        Accounts::Caller => vec![(None, base.clone())],
        Accounts::Assumed { which, role } => {
            let ids = match which {
                AccountList::Listed(ids) => ids.clone(),
                AccountList::Organization => match organization_accounts(&base, &caller).await {
                    Ok(ids) => ids,
                    Err(error) => {
                        out.unread.push(Unread {
                            scope: ORGANIZATION.into(),
                            api: LIST_ACCOUNTS.into(),
                            error,
                        });
                        return Ok(out);
                    }
                },
            };
            let assumed = join_all(
                ids.iter()
                    .map(|id| assume_role(&base, &home, id, role, &caller)),
            )
            .await;
            let mut ok = Vec::new();
            for (id, result) in ids.into_iter().zip(assumed) {
                match result {
                    Ok(config) => ok.push((Some(id), config)),
                    Err(error) => out.unread.push(Unread {
                        scope: scope(Some(&id), None),
                        api: ASSUME_ROLE.into(),
                        error,
                    }),
                }
            }
            ok
        }
    };

    let per_account = join_all(accounts.iter().map(|(account, config)| {
        read_account(
            account.as_deref(),
            config,
            &home,
            fleet,
            selection,
            aws,
            &global,
            &progress,
        )
    }))
    .await;
    for result in per_account {
        let (parts, unread) = result?;
        out.parts.extend(parts);
        out.unread.extend(unread);
    }
    out.parts
        .sort_by(|a, b| (&a.account_id, &a.region).cmp(&(&b.account_id, &b.region)));
    out.unread.sort();
    Ok(out)
}

/// The regions of one account, each read by its own collector, all at once.
#[allow(clippy::too_many_arguments)] // one account's share of the run's settings
async fn read_account(
    account: Option<&str>,
    config: &SdkConfig,
    home: &str,
    fleet: &FleetOptions,
    selection: &Selection,
    aws: &AwsOptions,
    global: &Arc<Semaphore>,
    progress: &Arc<Progress>,
) -> Result<(Vec<crate::model::Snapshot>, Vec<Unread>)> {
    let regions = match &fleet.regions {
        Regions::Home => vec![home.to_string()],
        Regions::Listed(regions) => regions.clone(),
        Regions::Enabled => {
            let caller = Caller::new(aws.concurrency, global.clone(), aws.call_timeout.as_secs());
            match enabled_regions(config, &caller).await {
                Ok(regions) => regions,
                Err(error) => {
                    let unread = Unread {
                        scope: scope(account, None),
                        api: DESCRIBE_REGIONS.into(),
                        error,
                    };
                    return Ok((Vec::new(), vec![unread]));
                }
            }
        }
    };
    let parts = join_all(regions.iter().map(|region| async move {
        let regional = config
            .to_builder()
            .region(Region::new(region.clone()))
            .build();
        let place = scope(account, Some(region));
        let collector = Collector::from_config(&regional, aws, global.clone())
            .with_progress(progress.clone(), place);
        let mut snapshot = collector.collect(selection).await?;
        snapshot.account_id = account.map(str::to_string);
        Ok::<_, Error>(snapshot)
    }))
    .await;
    let parts = parts.into_iter().collect::<Result<Vec<_>>>()?;
    Ok((parts, Vec::new()))
}

/// The ids of the organization's active accounts, all pages.
async fn organization_accounts(
    base: &SdkConfig,
    caller: &Caller,
) -> std::result::Result<Vec<String>, String> {
    let client = aws_sdk_organizations::Client::new(base);
    let pages = caller
        .bounded(client.list_accounts().into_paginator().send().try_collect())
        .await
        .map_err(|e| reason(&e, caller.timeout_secs()))?;
    let mut ids: Vec<String> = pages
        .iter()
        .flat_map(|page| page.accounts())
        .filter(|a| match a.state() {
            Some(state) => *state == AccountState::Active,
            None => a.status() == Some(&AccountStatus::Active),
        })
        .filter_map(|a| a.id().map(str::to_string))
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// Assumes `role` in `account` and returns the base configuration acting as that role.
async fn assume_role(
    base: &SdkConfig,
    home: &str,
    account: &str,
    role: &Role,
    caller: &Caller,
) -> std::result::Result<SdkConfig, String> {
    let sts = aws_sdk_sts::Client::new(base);
    let arn = role_arn(partition(home), account, &role.name);
    let assumed = caller
        .bounded(
            sts.assume_role()
                .role_arn(&arn)
                .role_session_name(SESSION_NAME)
                .set_external_id(role.external_id.clone())
                .send(),
        )
        .await
        .map_err(|e| reason(&e, caller.timeout_secs()))?;
    let Some(c) = assumed.credentials() else {
        return Err("AssumeRole returned no credentials".into());
    };
    let credentials = Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        SystemTime::try_from(*c.expiration()).ok(),
        "alb-audit-assume-role",
    );
    Ok(base
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .build())
}

/// The regions enabled for the account of `config`, sorted.
async fn enabled_regions(
    config: &SdkConfig,
    caller: &Caller,
) -> std::result::Result<Vec<String>, String> {
    let ec2 = aws_sdk_ec2::Client::new(config);
    let found = caller
        .bounded(ec2.describe_regions().all_regions(false).send())
        .await
        .map_err(|e| reason(&e, caller.timeout_secs()))?;
    let mut regions: Vec<String> = found
        .regions()
        .iter()
        .filter(|r| r.opt_in_status() != Some("not-opted-in"))
        .filter_map(|r| r.region_name().map(str::to_string))
        .collect();
    regions.sort();
    regions.dedup();
    Ok(regions)
}

/// The partition a region belongs to, for the role ARN
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>).
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else {
        "aws"
    }
}

/// `arn:PARTITION:iam::ACCOUNT:role/NAME`; a name with a path (`audit/AlbAudit`) keeps it.
pub fn role_arn(partition: &str, account: &str, name: &str) -> String {
    format!("arn:{partition}:iam::{account}:role/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_follow_the_partition_of_the_home_region() {
        assert_eq!(
            role_arn(partition("us-east-1"), "111111111111", "AlbAudit"),
            "arn:aws:iam::111111111111:role/AlbAudit"
        );
        assert_eq!(
            role_arn(partition("cn-north-1"), "111111111111", "audit/AlbAudit"),
            "arn:aws-cn:iam::111111111111:role/audit/AlbAudit"
        );
        for (region, want) in [
            ("us-gov-west-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("eu-west-1", "aws"),
            ("us-east-2", "aws"),
        ] {
            assert_eq!(partition(region), want, "{region}");
        }
    }
}
