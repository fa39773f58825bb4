//! Settings of the WhatsApp channel: environment variables over the `[whatsapp]` section of
//! `jejak.toml`, over defaults. The access token, app secret and verify token are kept in
//! [`Secret`], whose `Debug` never shows them.

use crate::config::WhatsAppFile;
use std::fmt;

/// The public Graph API.
pub const DEFAULT_API_URL: &str = "https://graph.facebook.com";
/// The Graph API version used unless configured.
pub const DEFAULT_API_VERSION: &str = "v21.0";
/// Messages per second a Cloud API number may send unless Meta raised its limit.
pub const DEFAULT_RATE_PER_SECOND: u32 = 80;

/// A secret value: shown as `[redacted]` in `Debug` output and logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself, for the one place that needs it (a header, an HMAC key).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The retry policy of replies, shared by every channel.
pub use crate::channel::RetryPolicy;

/// The resolved settings of the WhatsApp channel.
#[derive(Debug, Clone)]
pub struct WhatsAppConfig {
    /// The Cloud API phone number id.
    pub phone_number_id: String,
    /// The number alumni write to (E.164), for `wa.me` links.
    pub business_number: Option<String>,
    /// The access token (system user token).
    pub access_token: Secret,
    /// The app secret, key of the webhook signatures.
    pub app_secret: Secret,
    /// The verify token of the webhook subscription.
    pub verify_token: Secret,
    /// Graph API version (`v21.0`).
    pub api_version: String,
    /// Graph API base URL, without a trailing slash.
    pub api_url: String,
    /// Messages per second the number may send.
    pub rate_per_second: u32,
    /// Retries of replies.
    pub retry: RetryPolicy,
}

/// A setting is missing or malformed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required setting is missing (named by its environment variable).
    #[error(
        "WhatsApp is partly configured: {0} is missing (set it in the environment or in [whatsapp] of jejak.toml)"
    )]
    Missing(&'static str),
    /// A setting has a value that cannot work.
    #[error("WhatsApp setting {name} is invalid: {reason}")]
    Invalid {
        /// The environment variable.
        name: &'static str,
        /// Why.
        reason: String,
    },
}

impl WhatsAppConfig {
    /// Resolves the settings from the process environment over `file`. `None` when WhatsApp
    /// is not configured at all (no phone number id and no access token anywhere).
    pub fn from_env(file: Option<&WhatsAppFile>) -> Result<Option<Self>, ConfigError> {
        Self::resolve(file, |k| std::env::var(k).ok())
    }

    /// Resolves the settings from `env` (a variable lookup) over `file`.
    pub fn resolve(
        file: Option<&WhatsAppFile>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        let empty = WhatsAppFile::default();
        let f = file.unwrap_or(&empty);
        let pick = |name: &str, from_file: &Option<String>| {
            env(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .or_else(|| from_file.clone().filter(|v| !v.trim().is_empty()))
        };
        let phone_number_id = pick("WHATSAPP_PHONE_NUMBER_ID", &f.phone_number_id);
        let access_token = pick("WHATSAPP_ACCESS_TOKEN", &f.access_token);
        if phone_number_id.is_none() && access_token.is_none() {
            return Ok(None);
        }
        let phone_number_id =
            phone_number_id.ok_or(ConfigError::Missing("WHATSAPP_PHONE_NUMBER_ID"))?;
        if !phone_number_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(ConfigError::Invalid {
                name: "WHATSAPP_PHONE_NUMBER_ID",
                reason: "expected the numeric phone number id from the Meta app dashboard (not the phone number)".into(),
            });
        }
        let access_token = access_token.ok_or(ConfigError::Missing("WHATSAPP_ACCESS_TOKEN"))?;
        let app_secret = pick("WHATSAPP_APP_SECRET", &f.app_secret)
            .ok_or(ConfigError::Missing("WHATSAPP_APP_SECRET"))?;
        let verify_token = pick("WHATSAPP_VERIFY_TOKEN", &f.verify_token)
            .ok_or(ConfigError::Missing("WHATSAPP_VERIFY_TOKEN"))?;
        let api_version = pick("WHATSAPP_API_VERSION", &f.api_version)
            .unwrap_or_else(|| DEFAULT_API_VERSION.to_string());
        if api_version.contains('/') || !api_version.starts_with('v') {
            return Err(ConfigError::Invalid {
                name: "WHATSAPP_API_VERSION",
                reason: "expected a Graph API version such as v21.0".into(),
            });
        }
        let api_url =
            pick("WHATSAPP_API_URL", &f.api_url).unwrap_or_else(|| DEFAULT_API_URL.to_string());
        if !(api_url.starts_with("https://") || api_url.starts_with("http://")) {
            return Err(ConfigError::Invalid {
                name: "WHATSAPP_API_URL",
                reason: "expected an http:// or https:// URL".into(),
            });
        }
        let rate_per_second = match env("WHATSAPP_RATE_PER_SECOND") {
            Some(v) => v.trim().parse().map_err(|_| ConfigError::Invalid {
                name: "WHATSAPP_RATE_PER_SECOND",
                reason: format!("{v:?} is not a whole number"),
            })?,
            None => f.rate_per_second.unwrap_or(DEFAULT_RATE_PER_SECOND),
        };
        if rate_per_second == 0 {
            return Err(ConfigError::Invalid {
                name: "WHATSAPP_RATE_PER_SECOND",
                reason: "must be at least 1".into(),
            });
        }
        Ok(Some(WhatsAppConfig {
            phone_number_id,
            business_number: f.business_number.clone(),
            access_token: Secret::new(access_token),
            app_secret: Secret::new(app_secret),
            verify_token: Secret::new(verify_token),
            api_version,
            api_url: api_url.trim_end_matches('/').to_string(),
            rate_per_second,
            retry: RetryPolicy::default(),
        }))
    }

    /// The URL messages are sent to.
    pub fn messages_url(&self) -> String {
        format!(
            "{}/{}/{}/messages",
            self.api_url, self.api_version, self.phone_number_id
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::time::Duration;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn not_configured_is_none() {
        assert!(WhatsAppConfig::resolve(None, env(&[])).unwrap().is_none());
    }

    #[test]
    fn environment_overrides_file_and_secrets_stay_hidden() {
        let file = WhatsAppFile {
            phone_number_id: Some("111".into()),
            access_token: Some("file-token".into()),
            app_secret: Some("file-secret".into()),
            verify_token: Some("file-verify".into()),
            api_url: Some("http://127.0.0.1:9/".into()),
            ..Default::default()
        };
        let c = WhatsAppConfig::resolve(
            Some(&file),
            env(&[("WHATSAPP_ACCESS_TOKEN", "env-token-SECRET")]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.access_token.expose(), "env-token-SECRET");
        assert_eq!(c.app_secret.expose(), "file-secret");
        assert_eq!(c.api_version, DEFAULT_API_VERSION);
        assert_eq!(c.rate_per_second, DEFAULT_RATE_PER_SECOND);
        assert_eq!(c.messages_url(), "http://127.0.0.1:9/v21.0/111/messages");
        let debug = format!("{c:?}");
        for secret in ["env-token-SECRET", "file-secret", "file-verify"] {
            assert!(!debug.contains(secret), "{secret} leaked into {debug}");
        }
    }

    /// A base URL with a path (a proxy's, or a crash test's per-process tag) is kept: the
    /// version and number are appended to it.
    #[test]
    fn api_url_path_is_kept() {
        let c = WhatsAppConfig::resolve(
            None,
            env(&[
                ("WHATSAPP_PHONE_NUMBER_ID", "111"),
                ("WHATSAPP_ACCESS_TOKEN", "t"),
                ("WHATSAPP_APP_SECRET", "s"),
                ("WHATSAPP_VERIFY_TOKEN", "v"),
                ("WHATSAPP_API_URL", "http://127.0.0.1:9/p3"),
            ]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.messages_url(), "http://127.0.0.1:9/p3/v21.0/111/messages");
    }

    #[test]
    fn partial_configuration_names_what_is_missing() {
        let e =
            WhatsAppConfig::resolve(None, env(&[("WHATSAPP_PHONE_NUMBER_ID", "123")])).unwrap_err();
        assert!(e.to_string().contains("WHATSAPP_ACCESS_TOKEN"), "{e}");
        let e = WhatsAppConfig::resolve(
            None,
            env(&[
                ("WHATSAPP_PHONE_NUMBER_ID", "+62 812"),
                ("WHATSAPP_ACCESS_TOKEN", "t"),
            ]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("WHATSAPP_PHONE_NUMBER_ID"), "{e}");
    }

    #[test]
    fn retry_delays_double_up_to_the_cap() {
        let p = RetryPolicy {
            attempts: 10,
            base: Duration::from_millis(100),
            max: Duration::from_millis(500),
        };
        assert_eq!(p.delay(1), Duration::from_millis(100));
        assert_eq!(p.delay(2), Duration::from_millis(200));
        assert_eq!(p.delay(3), Duration::from_millis(400));
        assert_eq!(p.delay(4), Duration::from_millis(500));
        assert_eq!(p.delay(60), Duration::from_millis(500));
    }
}
