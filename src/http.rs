//! HTTP plumbing that is not an endpoint: the request body limit, response compression,
//! the client's address, and connections a failing response stream can abort.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt};
use poem::http::{StatusCode, Version};
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Body, Endpoint, Middleware, Request};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

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

/// Compresses text-like responses (JSON, problem+json, CSV, calendars, HTML and the docs'
/// script) with brotli or gzip, whichever the client's `Accept-Encoding` prefers; PDFs,
/// images and signed tokens go as they are, and so does anything under 1 KiB, where
/// compressing costs more than it saves. Streamed bodies (reports) are compressed as they
/// stream. A compressed response's `ETag` becomes weak, as its bytes differ from the
/// identity one's; `Vary: Accept-Encoding` tells caches the body depends on the header.
pub struct Compression;

impl<E: Endpoint> Middleware<E> for Compression {
    type Output = CompressionEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        CompressionEndpoint(ep)
    }
}

/// The endpoint wrapped by [`Compression`].
pub struct CompressionEndpoint<E>(E);

/// Bodies smaller than this are sent as they are.
const COMPRESS_FROM_BYTES: u64 = 1024;

impl<E: Endpoint> Endpoint for CompressionEndpoint<E> {
    type Output = poem::Response;

    async fn call(&self, req: Request) -> poem::Result<Self::Output> {
        use poem::IntoResponse;
        use poem::http::{HeaderValue, Method, header};
        use poem::web::{Compress, CompressionAlgo, CompressionLevel};

        let algo = preferred_encoding(req.headers());
        let head = req.method() == Method::HEAD;
        let mut resp = self.0.call(req).await?.into_response();
        if !resp.content_type().is_some_and(compressible) {
            return Ok(resp);
        }
        resp.headers_mut()
            .append(header::VARY, HeaderValue::from_static("accept-encoding"));
        let status = resp.status();
        let Some(algo) = algo else {
            return Ok(resp);
        };
        if head
            || status.is_informational()
            || status == StatusCode::NO_CONTENT
            || status == StatusCode::NOT_MODIFIED
            || resp.headers().contains_key(header::CONTENT_ENCODING)
        {
            return Ok(resp);
        }
        let body: http_body_util::combinators::BoxBody<bytes::Bytes, io::Error> =
            resp.take_body().into();
        let small = http_body::Body::size_hint(&body)
            .upper()
            .is_some_and(|n| n < COMPRESS_FROM_BYTES);
        resp.set_body(Body::from(body));
        if small {
            return Ok(resp);
        }
        if let Some(etag) = resp.headers().get(header::ETAG)
            && !etag.as_bytes().starts_with(b"W/")
            && let Ok(weak) = HeaderValue::from_bytes(&[b"W/", etag.as_bytes()].concat())
        {
            resp.headers_mut().insert(header::ETAG, weak);
        }
        let (algo, level) = match algo {
            // Brotli's default (11) is meant for files compressed once; 4 compresses
            // about as well as gzip's default, faster.
            Encoding::Brotli => (CompressionAlgo::BR, CompressionLevel::Precise(4)),
            Encoding::Gzip => (CompressionAlgo::GZIP, CompressionLevel::Default),
        };
        Ok(Compress::new(resp, algo)
            .with_quality(level)
            .into_response())
    }
}

/// The encodings responses are compressed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
}

/// The encoding the client prefers among brotli and gzip (RFC 9110 §12.5.3: the highest
/// `q`, brotli on a tie; `*` stands for any not named; `q=0` refuses), or none.
fn preferred_encoding(headers: &poem::http::HeaderMap) -> Option<Encoding> {
    let mut named: [Option<f32>; 2] = [None, None];
    let mut any: Option<f32> = None;
    for value in headers.get_all(poem::http::header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .find_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    (k.trim().eq_ignore_ascii_case("q")).then(|| v.trim().parse::<f32>().ok())?
                })
                .unwrap_or(1.0);
            match coding.as_str() {
                "br" => named[0] = Some(q),
                "gzip" | "x-gzip" => named[1] = Some(q),
                "*" => any = Some(q),
                _ => {}
            }
        }
    }
    let q = |i: usize| named[i].or(any).unwrap_or(0.0);
    let (br, gzip) = (q(0), q(1));
    if br > 0.0 && br >= gzip {
        Some(Encoding::Brotli)
    } else if gzip > 0.0 {
        Some(Encoding::Gzip)
    } else {
        None
    }
}

/// Whether a response of this media type is worth compressing.
fn compressible(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media.starts_with("text/")
        || media == "application/json"
        || media.ends_with("+json")
        || media == "application/javascript"
        || media == "image/svg+xml"
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

/// A connection by its two ends.
type Ends = (SocketAddr, SocketAddr);

/// The abort switch of every open connection accepted through [`Abortable`].
static OPEN: LazyLock<Mutex<HashMap<Ends, Arc<AtomicBool>>>> = LazyLock::new(Default::default);

fn ends(local: &LocalAddr, remote: &RemoteAddr) -> Option<Ends> {
    Some((*local.as_socket_addr()?, *remote.as_socket_addr()?))
}

/// An acceptor whose connections a response can abort. HTTP/1.1 tells a client that a
/// streamed body failed halfway only by closing the connection before the chunked body's
/// last chunk; after a body error the server would still write that last chunk (it polls
/// the finished connection again to shut it down gracefully), so a cut-off file would
/// look complete. A connection aborted with its [`AbortSwitch`] refuses every further
/// read and write, and is closed without it.
pub struct Abortable<A>(pub A);

impl<A: Acceptor> Acceptor for Abortable<A> {
    type Io = AbortableIo<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.0.local_addr()
    }

    async fn accept(
        &mut self,
    ) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, poem::http::uri::Scheme)> {
        let (io, local, remote, scheme) = self.0.accept().await?;
        let aborted = Arc::new(AtomicBool::new(false));
        let ends = ends(&local, &remote);
        if let Some(ends) = ends {
            OPEN.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(ends, aborted.clone());
        }
        Ok((AbortableIo { io, ends, aborted }, local, remote, scheme))
    }
}

/// A connection's socket that stops working once its connection is aborted.
pub struct AbortableIo<IO> {
    io: IO,
    ends: Option<Ends>,
    aborted: Arc<AtomicBool>,
}

impl<IO> AbortableIo<IO> {
    fn refused(&self) -> Option<io::Error> {
        self.aborted.load(Ordering::Acquire).then(|| {
            io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "the response failed halfway; the connection is closed",
            )
        })
    }
}

impl<IO> Drop for AbortableIo<IO> {
    fn drop(&mut self) {
        if let Some(ends) = self.ends {
            let mut open = OPEN.lock().unwrap_or_else(PoisonError::into_inner);
            if open
                .get(&ends)
                .is_some_and(|a| Arc::ptr_eq(a, &self.aborted))
            {
                open.remove(&ends);
            }
        }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for AbortableIo<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(e) = self.refused() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for AbortableIo<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.refused() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.refused() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.refused() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Aborts the connection a request came in on.
#[derive(Debug, Clone)]
pub struct AbortSwitch(Arc<AtomicBool>);

impl AbortSwitch {
    /// The switch of an HTTP/1 request's connection, if it was accepted through
    /// [`Abortable`]. HTTP/2 needs none: a failing body resets its stream, which clients
    /// report as an error.
    pub fn of(req: &Request) -> Option<Self> {
        if req.version() > Version::HTTP_11 {
            return None;
        }
        let ends = ends(req.local_addr(), req.remote_addr())?;
        OPEN.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&ends)
            .map(|a| Self(a.clone()))
    }

    /// Aborts the connection: its socket refuses every further read and write.
    pub fn abort(&self) {
        self.0.store(true, Ordering::Release);
    }
}

/// A response body's stream that aborts its connection at the first error, so that the
/// client sees a broken transfer rather than a clean end.
pub fn abort_on_error<S, T>(
    stream: S,
    switch: Option<AbortSwitch>,
) -> impl Stream<Item = Result<T, io::Error>> + Send + 'static
where
    S: Stream<Item = Result<T, io::Error>> + Send + 'static,
{
    stream.inspect(move |item| {
        if item.is_err()
            && let Some(s) = &switch
        {
            s.abort();
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(value: &'static str) -> Option<Encoding> {
        let mut map = poem::http::HeaderMap::new();
        map.insert(
            poem::http::header::ACCEPT_ENCODING,
            poem::http::HeaderValue::from_static(value),
        );
        preferred_encoding(&map)
    }

    #[test]
    fn the_clients_preferred_encoding_is_chosen() {
        assert_eq!(accepting("gzip, deflate, br, zstd"), Some(Encoding::Brotli));
        assert_eq!(accepting("gzip"), Some(Encoding::Gzip));
        assert_eq!(accepting("br;q=0.5, gzip;q=0.8"), Some(Encoding::Gzip));
        assert_eq!(accepting("br;q=0, gzip;q=0"), None);
        assert_eq!(accepting("identity"), None);
        assert_eq!(accepting("*"), Some(Encoding::Brotli));
        assert_eq!(accepting("*;q=0.1, br;q=0"), Some(Encoding::Gzip));
        assert_eq!(accepting("deflate"), None);
        assert_eq!(preferred_encoding(&poem::http::HeaderMap::new()), None);
        assert!(compressible("text/csv; charset=utf-8"));
        assert!(compressible("application/problem+json"));
        assert!(!compressible("application/pdf"));
        assert!(!compressible("image/png"));
    }

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
