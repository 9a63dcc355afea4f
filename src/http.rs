//! HTTP plumbing that is not an endpoint: the request body limit, and connections a
//! failing response stream can abort.

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
