//! Where ESI answers are kept between calls: ETags for conditional requests and `Expires` so
//! that nothing is asked again before ESI has anything new (asking earlier can get an app
//! banned, reference §A2.3).

use super::headers;
use async_trait::async_trait;
use reqwest::header::HeaderMap;
use std::collections::HashMap;
use std::sync::Mutex;
use time::OffsetDateTime;

#[async_trait]
pub trait EsiCache: Send + Sync {
    async fn get(&self, key: &str) -> Option<CachedResponse>;
    async fn put(&self, key: &str, value: CachedResponse);
    /// After a 304: `value` is the cached answer with its new validators and expiry; its body
    /// did not change. A cache that can update the validators alone should (a contact list's
    /// body is 100 KB and thousands of characters revalidate each round).
    async fn revalidated(&self, key: &str, value: CachedResponse) {
        self.put(key, value).await;
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedResponse {
    pub etag: Option<String>,
    pub expires_at: Option<OffsetDateTime>,
    pub last_modified: Option<String>,
    /// `X-Pages` of a paged resource.
    pub pages: Option<i32>,
    pub body: Vec<u8>,
}

impl CachedResponse {
    pub fn is_fresh(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_some_and(|at| now < at)
    }

    /// A 200's `body` with what its headers say of it (validators, expiry, pages).
    pub(crate) fn answered(h: &HeaderMap, body: Vec<u8>, now: OffsetDateTime) -> Self {
        Self {
            etag: headers::etag(h),
            expires_at: headers::expires_at(h, now),
            last_modified: headers::last_modified(h),
            pages: headers::pages(h),
            body,
        }
    }

    /// After a 304: the new expiry, and the new ETag when it sent one; the body is the same.
    pub(crate) fn revalidate(&mut self, h: &HeaderMap, now: OffsetDateTime) {
        self.expires_at = headers::expires_at(h, now);
        self.etag = headers::etag(h).or(self.etag.take());
    }
}

/// A process-local cache; the app can persist to its database instead so that caching
/// survives restarts and is shared between instances.
#[derive(Debug, Default)]
pub struct MemoryCache {
    entries: Mutex<HashMap<String, CachedResponse>>,
}

impl MemoryCache {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        crate::clock::lock(&self.entries).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl EsiCache for MemoryCache {
    async fn get(&self, key: &str) -> Option<CachedResponse> {
        crate::clock::lock(&self.entries).get(key).cloned()
    }

    async fn put(&self, key: &str, value: CachedResponse) {
        crate::clock::lock(&self.entries).insert(key.to_owned(), value);
    }
}
