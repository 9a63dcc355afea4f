//! HTTP plumbing that is not an endpoint: the request body limit.

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
