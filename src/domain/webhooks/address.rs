//! Where the service may post: an endpoint's URL must be https and must not lead inside
//! the academy's network (private, loopback, link-local and other special addresses),
//! unless `ACADEMY_WEBHOOKS_ALLOW_PRIVATE` is set for development, which also allows plain
//! http to this machine. The check runs when an endpoint is registered or changed, and
//! again on every delivery against the addresses the name resolves to then (so a name
//! cannot be pointed inside after it was accepted).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use url::{Host, Url};

use crate::error::FieldError;

/// How long a name may take to resolve when an endpoint is registered.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether an address is one a partner's endpoint may not resolve to: anything but a
/// public unicast address.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => {
            // IPv4-mapped and IPv4-compatible addresses lead to their IPv4 address.
            if let Some(v4) = v6.to_ipv4() {
                return internal_v4(v4);
            }
            let s = v6.segments();
            v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] & 0xffc0) == 0xfec0 // site-local
                || (s[0] == 0x2001 && s[1] == 0x0000) // Teredo
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64 to anything
                || (s[0] == 0x2002) // 6to4 to anything
        }
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || a == 0
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a >= 240 // reserved
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 192 && b == 88 && c == 99) // 6to4 relays
}

fn is_loopback_host(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// Checks an endpoint URL and returns it as it will be stored.
pub async fn check(field: &str, raw: &str, allow_private: bool) -> Result<String, FieldError> {
    let bad = |m: &str| FieldError::new(field, m);
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.len() > 2000 {
        return Err(bad("must be an https URL of at most 2000 characters"));
    }
    let url = Url::parse(trimmed).map_err(|_| bad("must be an absolute https URL"))?;
    let host = url.host().ok_or_else(|| bad("must name a host"))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private && is_loopback_host(&host) => {}
        "http" => {
            return Err(bad(
                "must use https (plain http only to this machine, for development)",
            ));
        }
        _ => return Err(bad("must be an https URL")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "must not hold a user name or password; the signature proves the sender",
        ));
    }
    if url.as_str().len() > 2000 {
        return Err(bad("must be an https URL of at most 2000 characters"));
    }
    if url.fragment().is_some() {
        return Err(bad("must not have a #fragment"));
    }
    if !allow_private {
        let addresses = resolve(&url)
            .await
            .map_err(|_| bad("names a host that does not resolve"))?;
        if addresses.is_empty() {
            return Err(bad("names a host that does not resolve"));
        }
        if addresses.iter().any(|ip| is_internal(*ip)) {
            return Err(bad(
                "leads to a private, loopback or link-local address; endpoints must be reachable on the internet",
            ));
        }
    }
    Ok(url.to_string())
}

/// The addresses a URL's host stands for (an address literal stands for itself).
pub async fn resolve(url: &Url) -> std::io::Result<Vec<IpAddr>> {
    let port = url.port_or_known_default().unwrap_or(443);
    match url.host() {
        Some(Host::Ipv4(ip)) => Ok(vec![IpAddr::V4(ip)]),
        Some(Host::Ipv6(ip)) => Ok(vec![IpAddr::V6(ip)]),
        Some(Host::Domain(name)) => {
            let found = tokio::time::timeout(
                RESOLVE_TIMEOUT,
                tokio::net::lookup_host((name.to_owned(), port)),
            )
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "resolving"))??;
            Ok(found.map(|a| a.ip()).collect())
        }
        None => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn inside_addresses_are_recognised() {
        for inside in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
        ] {
            assert!(is_internal(ip(inside)), "{inside} is inside");
        }
        for outside in ["93.184.216.34", "2606:4700::1111", "8.8.8.8"] {
            assert!(!is_internal(ip(outside)), "{outside} is outside");
        }
    }

    #[tokio::test]
    async fn urls_are_checked() {
        let refused = |r: Result<String, FieldError>| r.is_err();
        assert!(refused(
            check("url", "http://93.184.216.34/hook", false).await
        ));
        assert!(refused(check("url", "https://127.0.0.1/hook", false).await));
        assert!(refused(
            check("url", "https://169.254.169.254/latest", false).await
        ));
        assert!(refused(check("url", "https://[::1]/hook", false).await));
        assert!(refused(check("url", "https://localhost/hook", false).await));
        assert!(refused(
            check("url", "https://user:pw@93.184.216.34/", false).await
        ));
        assert!(refused(check("url", "ftp://93.184.216.34/", false).await));
        assert!(refused(check("url", "http://10.0.0.1/hook", true).await));
        assert_eq!(
            check("url", "https://93.184.216.34/hook?x=1", false)
                .await
                .ok(),
            Some("https://93.184.216.34/hook?x=1".to_owned())
        );
        assert!(
            check("url", "http://127.0.0.1:9000/hook", true)
                .await
                .is_ok()
        );
        assert!(check("url", "https://10.0.0.1/hook", true).await.is_ok());
    }
}
