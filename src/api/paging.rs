//! The list envelope shared by every collection: `{"items": [...], "next_cursor": …}`.

/// Declares a page type for an item type.
macro_rules! page_type {
    ($name:ident, $item:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, poem_openapi::Object)]
        pub struct $name {
            /// The items of this page.
            pub items: Vec<$item>,
            /// Pass as `?cursor=` for the next page; `null` on the last page.
            #[oai(nullable)]
            pub next_cursor: Option<String>,
        }
    };
}
pub(crate) use page_type;
