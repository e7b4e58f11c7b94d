//! HTTP(S) URLs, parsed and normalised with the WHATWG URL parser (the `url` crate, which
//! the reference's validator also uses).

use super::violation::FieldError;
use crate::json::Json;

/// Longest URL accepted, in characters.
pub const MAX_URL_LENGTH: usize = 2083;

/// Validates an `http`/`https` URL with a host and returns its normalised text
/// (`https://example.com` becomes `https://example.com/`).
///
/// ```
/// use spec_kitty_events::contract::url::validate_http_url;
/// use spec_kitty_events::json::Json;
/// assert_eq!(validate_http_url(&Json::str("https://example.com")).unwrap(), Json::str("https://example.com/"));
/// assert!(validate_http_url(&Json::str("ftp://example.com")).is_err());
/// ```
pub fn validate_http_url(v: &Json<'_>) -> Result<Json<'static>, FieldError> {
    validate_url(v, Some(MAX_URL_LENGTH))
}

/// Validates an `http`/`https` URL with a host, at most `max_len` characters long when
/// given, and returns its normalised text.
pub fn validate_url(v: &Json<'_>, max_len: Option<usize>) -> Result<Json<'static>, FieldError> {
    let Json::Str(s) = v else {
        return Err(FieldError::new(
            "url_type",
            "URL input should be a string or URL",
        ));
    };
    if let Some(max) = max_len
        && s.chars().count() > max
    {
        return Err(FieldError::new(
            "url_too_long",
            format!("URL should have at most {max} characters"),
        ));
    }
    let url = url::Url::parse(s)
        .map_err(|e| FieldError::new("url_parsing", format!("Input should be a valid URL, {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FieldError::new(
            "url_scheme",
            "URL scheme should be 'http' or 'https'",
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(FieldError::new(
            "url_parsing",
            "Input should be a valid URL, empty host",
        ));
    }
    Ok(Json::from(url.to_string()))
}
