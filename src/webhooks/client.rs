//! The HTTP client of webhook deliveries: it follows no redirect, gives up after 10
//! seconds and connects only to addresses outside the academy's network (checked when
//! the name is resolved, so a name cannot be pointed inside after its endpoint was
//! accepted).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::webhooks::address::is_internal;

/// How long one request may take, from connecting to the end of the answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The most of an answer's body that is read.
pub const MAX_ANSWER: usize = 64 * 1024;

/// Resolves names like the system does, keeping only the addresses a delivery may go to.
struct OutsideOnly {
    allow_private: bool,
}

impl Resolve for OutsideOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| allow_private || !is_internal(a.ip()))
                .collect();
            if found.is_empty() {
                return Err("the host resolves to no address outside the academy's network".into());
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client of webhook deliveries.
pub fn client(academy: &str, allow_private: bool) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .no_proxy()
        .user_agent(format!("{academy} webhooks"))
        .dns_resolver(Arc::new(OutsideOnly { allow_private }))
        .build()?)
}
