//! HTTP plumbing that is not an endpoint: the request body limit and the client's
//! address.

use poem::http::StatusCode;
use poem::{Body, Endpoint, Middleware, Request};

/// Refuses bodies over the limit with 413, whether announced by `Content-Length` or
/// sent without a length (chunked, or over HTTP/2). Those are read up to the limit.
pub struct BodyLimit(pub usize);

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        BodyLimitEndpoint {
            inner: ep,
            max: self.0,
        }
    }
}

/// The endpoint wrapped by [`BodyLimit`].
pub struct BodyLimitEndpoint<E> {
    inner: E,
    max: usize,
}

fn too_large() -> poem::Error {
    poem::Error::from_status(StatusCode::PAYLOAD_TOO_LARGE)
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> poem::Result<Self::Output> {
        let declared = req
            .headers()
            .get(poem::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        match declared {
            Some(n) if n > self.max as u64 => return Err(too_large()),
            Some(_) => {}
            None => {
                // No announced length (HTTP/1.1 chunked, or HTTP/2 and later, which never
                // carry Transfer-Encoding): read at most the limit.
                let bytes = req
                    .take_body()
                    .into_bytes_limit(self.max)
                    .await
                    .map_err(|_| too_large())?;
                req.set_body(Body::from(bytes));
            }
        }
        self.inner.call(req).await
    }
}

/// The address of the client a request comes from, as every per-address limit counts it.
///
/// The peer's address, unless the peer is one of the `trusted` proxies: then the address
/// the proxies recorded, taken from `Forwarded` (RFC 7239) or, without it,
/// `X-Forwarded-For`, walking from the nearest hop back past every trusted proxy. A hop
/// that is not an address (`unknown`, an obfuscated name) ends the walk at the proxy that
/// wrote it. IPv4-mapped IPv6 addresses count as IPv4.
pub fn client_ip(req: &Request, trusted: &[ipnet::IpNet]) -> Option<std::net::IpAddr> {
    let peer = req.remote_addr().as_socket_addr()?.ip();
    Some(client_behind(peer, req.headers(), trusted))
}

/// [`client_ip`] for a peer address and the request's headers.
fn client_behind(
    peer: std::net::IpAddr,
    headers: &poem::http::HeaderMap,
    trusted: &[ipnet::IpNet],
) -> std::net::IpAddr {
    let peer = peer.to_canonical();
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops = forwarded_hops(headers);
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            Some(ip) => {
                client = *ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            None => break,
        }
    }
    client
}

/// The key per-address limits count under: an IPv4 address, or the /64 network of an
/// IPv6 address (one subscriber's usual allocation, so that walking through it buys no
/// extra attempts). `unknown` when the peer has no IP address.
pub fn limit_key(ip: Option<std::net::IpAddr>) -> String {
    match ip {
        Some(std::net::IpAddr::V6(v6)) => match ipnet::Ipv6Net::new(v6, 64) {
            Ok(net) => net.trunc().to_string(),
            Err(_) => v6.to_string(),
        },
        Some(ip) => ip.to_string(),
        None => "unknown".to_owned(),
    }
}

/// The hops of `Forwarded` (every `for=`), else of `X-Forwarded-For`, in the order the
/// proxies appended them; `None` for a hop that is not an address.
fn forwarded_hops(headers: &poem::http::HeaderMap) -> Vec<Option<std::net::IpAddr>> {
    let values = |name: &str| -> Vec<&str> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (key, value) = pair.split_once('=')?;
                    key.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| parse_hop(value.trim().trim_matches('"')))
                })
            })
            .collect();
    }
    values("x-forwarded-for")
        .iter()
        .flat_map(|v| v.split(','))
        .map(|hop| parse_hop(hop.trim()))
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`.
fn parse_hop(hop: &str) -> Option<std::net::IpAddr> {
    use std::net::{IpAddr, SocketAddr};
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .or_else(|_| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .unwrap_or(hop)
                .parse::<IpAddr>()
        })
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Seen(std::net::IpAddr, poem::http::HeaderMap);

    fn request(peer: &str, headers: &[(&'static str, &'static str)]) -> Seen {
        let mut map = poem::http::HeaderMap::new();
        for (name, value) in headers {
            map.append(
                poem::http::HeaderName::from_static(name),
                poem::http::HeaderValue::from_static(value),
            );
        }
        let peer: std::net::SocketAddr = peer.parse().expect("a socket address");
        Seen(peer.ip(), map)
    }

    fn client_ip(seen: &Seen, trusted: &[ipnet::IpNet]) -> Option<std::net::IpAddr> {
        Some(client_behind(seen.0, &seen.1, trusted))
    }

    fn nets(list: &[&str]) -> Vec<ipnet::IpNet> {
        list.iter().map(|n| n.parse().expect("a network")).collect()
    }

    fn ip(s: &str) -> Option<std::net::IpAddr> {
        Some(s.parse().expect("an address"))
    }

    #[test]
    fn headers_count_only_from_trusted_proxies() {
        let trusted = nets(&["10.0.0.0/8"]);
        let forged = request("203.0.113.9:5000", &[("x-forwarded-for", "198.51.100.1")]);
        assert_eq!(client_ip(&forged, &trusted), ip("203.0.113.9"));
        let proxied = request("10.0.0.2:5000", &[("x-forwarded-for", "198.51.100.1")]);
        assert_eq!(client_ip(&proxied, &trusted), ip("198.51.100.1"));
        assert_eq!(client_ip(&proxied, &[]), ip("10.0.0.2"));
    }

    #[test]
    fn the_walk_stops_at_the_first_untrusted_hop() {
        let trusted = nets(&["10.0.0.0/8"]);
        // The client put a made-up address first; the proxies appended the real one.
        let req = request(
            "10.0.0.2:5000",
            &[("x-forwarded-for", "1.2.3.4, 198.51.100.7, 10.0.0.3")],
        );
        assert_eq!(client_ip(&req, &trusted), ip("198.51.100.7"));
        let unknown = request("10.0.0.2:5000", &[("x-forwarded-for", "unknown")]);
        assert_eq!(client_ip(&unknown, &trusted), ip("10.0.0.2"));
    }

    #[test]
    fn forwarded_wins_and_is_parsed() {
        let trusted = nets(&["10.0.0.0/8"]);
        let req = request(
            "10.0.0.2:5000",
            &[
                (
                    "forwarded",
                    r#"for=192.0.2.60;proto=https, for="[2001:db8:cafe::17]:4711""#,
                ),
                ("x-forwarded-for", "198.51.100.1"),
            ],
        );
        assert_eq!(client_ip(&req, &trusted), ip("2001:db8:cafe::17"));
        let mapped = request("[::ffff:203.0.113.5]:80", &[]);
        assert_eq!(client_ip(&mapped, &trusted), ip("203.0.113.5"));
    }

    #[test]
    fn ipv6_clients_are_limited_per_network() {
        assert_eq!(limit_key(ip("2001:db8:1:2:3:4:5:6")), "2001:db8:1:2::/64");
        assert_eq!(limit_key(ip("192.0.2.1")), "192.0.2.1");
        assert_eq!(limit_key(None), "unknown");
    }
}
