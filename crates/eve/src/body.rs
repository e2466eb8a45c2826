//! An answer's body, read with a size cap. EVE's servers are trusted, but a body without an end
//! (a broken proxy, a misconfigured URL pointing elsewhere) must not fill Jumpgate's memory.

/// The largest ESI answer Jumpgate reads. The largest it asks for are pages of a few hundred
/// kilobytes (1,000 affiliations, 1,024 contacts, 1,000 names).
pub(crate) const ESI_MAX_BODY: usize = 8 * 1024 * 1024;

/// The largest SSO answer Jumpgate reads (tokens, the key set, the metadata document: a few
/// kilobytes each).
pub(crate) const SSO_MAX_BODY: usize = 1024 * 1024;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// The connection failed while the body was read.
    Transport(reqwest::Error),
    /// The body is longer than the cap: nothing was kept.
    TooLarge { cap: usize },
}

impl BodyError {
    /// What a too-large body is, in words for the log and the error.
    pub(crate) fn too_large(cap: usize) -> String {
        format!(
            "the answer is longer than {} KiB, more than EVE ever sends; it was not read",
            cap / 1024
        )
    }
}

/// Reads `response`'s body, refusing it as soon as it passes `cap` bytes (before reading, when
/// its declared length already does).
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|declared| declared > cap as u64)
    {
        return Err(BodyError::TooLarge { cap });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > cap {
            return Err(BodyError::TooLarge { cap });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
