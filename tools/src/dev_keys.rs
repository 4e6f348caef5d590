//! The local dev secrets: an Ed25519 key pair standing in for Discord's, a
//! PluralKit signing token, and the secret forwarded events are signed with. Made on first use, kept in the git-ignored dev dir.

use std::fs;
use std::path::Path;

use base64::Engine;
use ed25519_dalek::SigningKey;

use crate::CliResult;

const SIGNING_KEY_FILE: &str = "discord_signing_key.hex";
pub(crate) const TOKEN_FILE: &str = "pluralkit_signing_token";
const FORWARD_SECRET_FILE: &str = "forward_secret";

pub(crate) struct DevKeys {
    pub(crate) signing_key: SigningKey,
    pub(crate) pluralkit_token: String,
    /// The Standard Webhooks secret the local stack signs forwarded events
    /// with, and `switchboard listen` verifies them with.
    pub(crate) forward_secret: String,
}

impl DevKeys {
    pub(crate) fn load_or_create(dev_dir: &Path) -> CliResult<Self> {
        fs::create_dir_all(dev_dir)?;
        let key_path = dev_dir.join(SIGNING_KEY_FILE);
        let token_path = dev_dir.join(TOKEN_FILE);
        if !key_path.exists() {
            write_private(&key_path, &hex::encode(random_bytes::<32>()?))?;
        }
        if !token_path.exists() {
            // PluralKit's tokens are 64 base64 characters: 48 random bytes.
            let token = base64::engine::general_purpose::STANDARD.encode(random_bytes::<48>()?);
            write_private(&token_path, &token)?;
        }
        let secret_path = dev_dir.join(FORWARD_SECRET_FILE);
        if !secret_path.exists() {
            // 24 bytes: the Standard Webhooks specification's smallest key.
            let key = base64::engine::general_purpose::STANDARD.encode(random_bytes::<24>()?);
            write_private(&secret_path, &format!("whsec_{key}"))?;
        }
        let mut seed = [0u8; 32];
        hex::decode_to_slice(fs::read_to_string(&key_path)?.trim(), &mut seed)
            .map_err(|e| format!("{} is not a 32-byte hex key: {e}", key_path.display()))?;
        let pluralkit_token = fs::read_to_string(&token_path)?.trim().to_owned();
        Ok(Self {
            signing_key: SigningKey::from_bytes(&seed),
            pluralkit_token,
            forward_secret: fs::read_to_string(&secret_path)?.trim().to_owned(),
        })
    }

    /// The local stack's token for `tenant`: derived from the dev token, so
    /// `send --tenant` knows it without another file.
    pub(crate) fn tenant_token(&self, tenant: &str) -> String {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(
            format!("{}:{tenant}", self.pluralkit_token).as_bytes(),
        ))
    }

    pub(crate) fn public_key_hex(&self) -> String {
        hex::encode(self.signing_key.verifying_key().to_bytes())
    }

    pub(crate) fn print(&self) {
        println!("DISCORD_PUBLIC_KEY={}", self.public_key_hex());
        println!("PLURALKIT_SIGNING_TOKEN={}", self.pluralkit_token);
        println!("FORWARD_SECRET={}", self.forward_secret);
        println!("(local development secrets only; never use them in a deployment)");
    }
}

fn random_bytes<const N: usize>() -> CliResult<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    Ok(bytes)
}

/// Writes a file only its owner can read, from the moment it exists (a file
/// already there is narrowed to 0600 before it is rewritten).
pub(crate) fn write_private(path: &Path, contents: &str) -> CliResult {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if path.exists() {
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn private_files_are_0600_whether_new_or_not() {
        let dir = std::env::temp_dir().join(format!("switchboard-keys-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret");
        write_private(&path, "one").unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, "two").unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "two");
        fs::remove_dir_all(&dir).unwrap();
    }
}
