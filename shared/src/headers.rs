//! Header lookup that ignores letter case. API Gateway's HTTP API lowercases
//! every name, REST APIs and Function URLs do not, so a name may arrive in any case.

/// The outcome of looking a header up by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderLookup<'a> {
    /// Not sent.
    Missing,
    /// The header was sent more than once; a signed request never does that.
    Duplicated,
    /// Present once, with a value that is not valid UTF-8.
    NotUtf8,
    /// Sent once, with this value.
    Found(&'a str),
}

/// Finds `name` among `headers`, in any letter case.
pub fn find_header<'a, I>(headers: I, name: &str) -> HeaderLookup<'a>
where
    I: IntoIterator<Item = (&'a str, &'a [u8])>,
{
    let mut found: Option<&'a [u8]> = None;
    for (key, value) in headers {
        if key.eq_ignore_ascii_case(name) {
            if found.is_some() {
                return HeaderLookup::Duplicated;
            }
            found = Some(value);
        }
    }
    match found {
        None => HeaderLookup::Missing,
        Some(bytes) => match std::str::from_utf8(bytes) {
            Ok(value) => HeaderLookup::Found(value),
            Err(_) => HeaderLookup::NotUtf8,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_header_in_any_case() {
        let headers = [
            ("X-Signature-ED25519", b"ab".as_slice()),
            ("other", b"x".as_slice()),
        ];
        assert_eq!(
            find_header(headers, "x-signature-ed25519"),
            HeaderLookup::Found("ab")
        );
    }

    #[test]
    fn reports_missing_duplicated_and_non_utf8() {
        let headers = [
            ("a", b"1".as_slice()),
            ("A", b"2".as_slice()),
            ("b", b"\xff".as_slice()),
        ];
        assert_eq!(find_header(headers, "a"), HeaderLookup::Duplicated);
        assert_eq!(find_header(headers, "b"), HeaderLookup::NotUtf8);
        assert_eq!(find_header(headers, "c"), HeaderLookup::Missing);
    }
}
