//! Wire types shared by several resources.

use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Utc};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{
    ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type,
};
use serde_json::Value;

/// An instant, always written in RFC 3339 with `Z` (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub DateTime<Utc>);

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Self(t)
    }
}

impl Type for Timestamp {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string_date-time".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "date-time")))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

fn parse(s: &str) -> ParseResult<Timestamp> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| Timestamp(t.with_timezone(&Utc)))
        .map_err(|_| ParseError::custom("must be an RFC 3339 date-time, e.g. 2026-03-01T09:00:00Z"))
}

impl ParseFromJSON for Timestamp {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(s)) => parse(&s),
            other => Err(ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

impl ParseFromParameter for Timestamp {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        parse(value)
    }
}

impl ToJSON for Timestamp {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(
            self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        ))
    }
}

/// A count as the wire carries it: 32 bits, so generated clients keep it a plain number
/// (a TypeScript `bigint` otherwise); counts beyond that read as the largest.
pub fn wire_i32(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Seconds for a `Retry-After` header (32 bits, as the document declares it).
pub fn wire_seconds(seconds: u64) -> u32 {
    u32::try_from(seconds).unwrap_or(u32::MAX)
}

/// A JSON string and nothing else (poem-openapi would also take numbers and booleans
/// for a `String`, which the document does not allow).
pub fn strict_string(value: Option<Value>) -> ParseResult<String> {
    match value {
        Some(Value::String(s)) => Ok(s),
        other => Err(ParseError::expected_type(other.unwrap_or_default())),
    }
}

/// An optional JSON string: absent or `null` is `None`.
pub fn strict_opt_string(value: Option<Value>) -> ParseResult<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ParseError::expected_type(other)),
    }
}

/// An optional field that may be absent but not `null` (the document does not declare
/// it nullable, and poem-openapi would otherwise read `null` as absent).
pub fn absent_not_null<T: ParseFromJSON>(value: Option<Value>) -> ParseResult<Option<T>> {
    match value {
        None => Ok(None),
        Some(Value::Null) => Err(ParseError::expected_type(Value::Null)),
        Some(v) => T::parse_from_json(Some(v))
            .map(Some)
            .map_err(ParseError::propagate),
    }
}

/// A string that may be absent (unchanged), `null` (cleared) or a JSON string; nothing else.
pub fn strict_maybe_string(
    value: Option<Value>,
) -> ParseResult<poem_openapi::types::MaybeUndefined<String>> {
    use poem_openapi::types::MaybeUndefined;
    match value {
        None => Ok(MaybeUndefined::Undefined),
        Some(Value::Null) => Ok(MaybeUndefined::Null),
        Some(Value::String(s)) => Ok(MaybeUndefined::Value(s)),
        Some(other) => Err(ParseError::expected_type(other)),
    }
}

/// A JSON document rendered once and sent as is: the same body and schema as `Json<T>`,
/// for responses the catalogue cache keeps.
pub struct RenderedJson<T> {
    body: bytes::Bytes,
    _type: std::marker::PhantomData<fn() -> T>,
}

impl<T: ToJSON> RenderedJson<T> {
    /// Renders a value.
    pub fn render(value: &T) -> Self {
        let body = value
            .to_json()
            .and_then(|v| serde_json::to_vec(&v).ok())
            .unwrap_or_else(|| b"null".to_vec());
        Self::from_bytes(body.into())
    }
}

impl<T> RenderedJson<T> {
    /// A document rendered before.
    pub fn from_bytes(body: bytes::Bytes) -> Self {
        Self {
            body,
            _type: std::marker::PhantomData,
        }
    }

    /// The rendered document.
    pub fn bytes(&self) -> bytes::Bytes {
        self.body.clone()
    }
}

impl<T: Type> poem_openapi::payload::Payload for RenderedJson<T> {
    const CONTENT_TYPE: &'static str = JSON_CONTENT_TYPE;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut poem_openapi::registry::Registry) {
        T::register(registry);
    }
}

/// The content type of rendered JSON.
const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

impl<T: Send> poem::IntoResponse for RenderedJson<T> {
    fn into_response(self) -> poem::Response {
        poem::Response::builder()
            .content_type(JSON_CONTENT_TYPE)
            .body(self.body)
    }
}

/// An optional JSON request body: no body at all (and no `Content-Type`) is `None`, as is
/// an empty one; a body that is sent must be JSON of the documented shape.
pub struct OptionalJson<T>(pub Option<T>);

impl<'a, T: ParseFromJSON> poem_openapi::ApiExtractor<'a> for OptionalJson<T> {
    const TYPES: &'static [poem_openapi::ApiExtractorType] =
        &[poem_openapi::ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut poem_openapi::registry::Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<poem_openapi::registry::MetaRequest> {
        Some(poem_openapi::registry::MetaRequest {
            description: None,
            content: vec![poem_openapi::registry::MetaMediaType {
                content_type: JSON_CONTENT_TYPE,
                schema: T::schema_ref(),
            }],
            required: false,
        })
    }

    async fn from_request(
        request: &'a poem::Request,
        body: &mut poem::RequestBody,
        _param_opts: poem_openapi::ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        use poem::FromRequest;
        use poem_openapi::payload::{Json, Payload};
        match request.content_type() {
            None => {
                let data = <Vec<u8> as FromRequest>::from_request(request, body).await?;
                if data.iter().all(u8::is_ascii_whitespace) {
                    Ok(Self(None))
                } else {
                    Err(poem_openapi::error::ContentTypeError::ExpectContentType.into())
                }
            }
            Some(ct) if Json::<T>::check_content_type(ct) => {
                let data = <Vec<u8> as FromRequest>::from_request(request, body).await?;
                if data.iter().all(u8::is_ascii_whitespace) {
                    return Ok(Self(None));
                }
                let value: Value = serde_json::from_slice(&data).map_err(|e| {
                    poem_openapi::error::ParseRequestPayloadError {
                        reason: e.to_string(),
                    }
                })?;
                let parsed = T::parse_from_json(Some(value)).map_err(|e| {
                    poem_openapi::error::ParseRequestPayloadError {
                        reason: e.into_message(),
                    }
                })?;
                Ok(Self(Some(parsed)))
            }
            Some(ct) => Err(poem_openapi::error::ContentTypeError::NotSupported {
                content_type: ct.to_owned(),
            }
            .into()),
        }
    }
}

/// A topic of a course as a request gives it: documented with the rules the service
/// applies (1–64 characters with something besides spaces, no control characters), read
/// as any JSON string so that the service names the offending entry (`topics[1]`).
#[derive(Debug, Clone)]
pub struct Topic(pub String);

impl poem_openapi::types::Type for Topic {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> std::borrow::Cow<'static, str> {
        "Topic".into()
    }

    fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
        let mut schema = poem_openapi::registry::MetaSchema::new("string");
        schema.description = Some("A topic (tag), stored in lower case.");
        schema.min_length = Some(1);
        schema.max_length = Some(64);
        schema.pattern = Some(
            "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
                .to_owned(),
        );
        poem_openapi::registry::MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        Box::new(std::iter::once(&self.0))
    }
}

impl poem_openapi::types::ParseFromJSON for Topic {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        strict_string(value)
            .map(Self)
            .map_err(ParseError::propagate)
    }
}

impl poem_openapi::types::ToJSON for Topic {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

/// A patch field as the domain takes it: absent is `None` (unchanged), `null` is
/// `Some(None)` (cleared), a value is `Some(Some(…))`.
pub fn maybe<T, U>(
    m: poem_openapi::types::MaybeUndefined<T>,
    f: impl Fn(T) -> U,
) -> Option<Option<U>> {
    use poem_openapi::types::MaybeUndefined;
    match m {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(f(v))),
    }
}

/// A number of a request with the range [`crate::domain::values`] sets for it: the
/// document shows the range, and a value outside it is refused (as 422 naming the field,
/// in the words of [`super::body`]) before the operation runs.
macro_rules! bounded {
    ($(#[$doc:meta])* $name:ident($inner:ty), $bounds:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct $name(pub $inner);

        impl Type for $name {
            const IS_REQUIRED: bool = true;
            type RawValueType = $inner;
            type RawElementValueType = $inner;

            fn name() -> Cow<'static, str> {
                <$inner as Type>::name()
            }

            fn schema_ref() -> MetaSchemaRef {
                let mut schema = match <$inner as Type>::schema_ref() {
                    MetaSchemaRef::Inline(schema) => *schema,
                    MetaSchemaRef::Reference(_) => MetaSchema::new("number"),
                };
                let bounds = $bounds;
                schema.minimum = Some(bounds.min);
                schema.exclusive_minimum = bounds.min_exclusive.then_some(true);
                schema.maximum = Some(bounds.max);
                MetaSchemaRef::Inline(Box::new(schema))
            }

            fn as_raw_value(&self) -> Option<&Self::RawValueType> {
                Some(&self.0)
            }

            fn raw_element_iter<'a>(
                &'a self,
            ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
                Box::new(self.as_raw_value().into_iter())
            }
        }

        impl $name {
            fn bounded(v: $inner) -> ParseResult<Self> {
                // Every value of these types is small enough to be exact as an f64.
                if $bounds.contains(v as f64) {
                    Ok(Self(v))
                } else {
                    Err(ParseError::custom($bounds.refusal()))
                }
            }
        }

        impl ParseFromJSON for $name {
            fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
                Self::bounded(<$inner>::parse_from_json(value).map_err(ParseError::propagate)?)
            }
        }

        impl ParseFromParameter for $name {
            fn parse_from_parameter(value: &str) -> ParseResult<Self> {
                Self::bounded(<$inner>::parse_from_parameter(value).map_err(ParseError::propagate)?)
            }
        }

        impl ToJSON for $name {
            fn to_json(&self) -> Option<Value> {
                self.0.to_json()
            }
        }
    };
}

bounded!(
    /// A course's study load in hours.
    Hours(f64),
    crate::domain::values::HOURS
);
bounded!(
    /// Register points.
    Points(f64),
    crate::domain::values::POINTS
);
bounded!(
    /// A share of sessions, in percent.
    Percent(f64),
    crate::domain::values::ATTENDANCE_PERCENT
);
bounded!(
    /// Seats of an edition.
    Capacity(i64),
    crate::domain::values::CAPACITY
);
bounded!(
    /// Days before a session that its reminder goes out.
    ReminderDays(i32),
    crate::domain::values::REMINDER_DAYS
);
bounded!(
    /// Rows of a page.
    PageSize(u32),
    crate::domain::values::PAGE_SIZE
);

/// `?limit=` as the domain takes it.
pub fn page_size(limit: Option<PageSize>) -> Option<u32> {
    limit.map(|l| l.0)
}
